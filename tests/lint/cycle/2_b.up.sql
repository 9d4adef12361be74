CREATE TABLE b (id integer PRIMARY KEY);
ALTER TABLE b ADD COLUMN a_ref integer REFERENCES a (id);
ALTER TABLE a ADD COLUMN c_id integer;
