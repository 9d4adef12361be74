-- two tables swap names; a third references both; two columns swap names
CREATE TABLE a (id integer PRIMARY KEY, x text, y integer);
CREATE TABLE b (id integer PRIMARY KEY, label text);
CREATE TABLE c (id integer PRIMARY KEY, a_id integer REFERENCES a (id), b_id integer REFERENCES b (id));
