-- a referenced table goes; one referencing table keeps its column without
-- the foreign key, another loses the column and its index
CREATE TABLE parent (id integer PRIMARY KEY, name text);
CREATE TABLE keep (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id));
CREATE TABLE lose (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id), note text);
CREATE INDEX lose_parent ON lose (parent_id);
CREATE TABLE gone (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id));
