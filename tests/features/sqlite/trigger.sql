CREATE TABLE t(id integer PRIMARY KEY, name text, n integer);
CREATE TRIGGER t_touch AFTER UPDATE ON t BEGIN UPDATE t SET n = n + 1 WHERE id = NEW.id AND 0; END;
