CREATE TABLE keep (id integer PRIMARY KEY, parent_id integer);
CREATE TABLE lose (id integer PRIMARY KEY, note text);
