CREATE TABLE t(id integer PRIMARY KEY, name text, n integer, tags text[]);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.n := coalesce(NEW.n, 0) + 1; RETURN NEW; END $$;
