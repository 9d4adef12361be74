CREATE TABLE b (id integer PRIMARY KEY, y text, x integer);
CREATE TABLE a (id integer PRIMARY KEY, label text);
CREATE TABLE c (id integer PRIMARY KEY, a_id integer REFERENCES b (id), b_id integer REFERENCES a (id));
