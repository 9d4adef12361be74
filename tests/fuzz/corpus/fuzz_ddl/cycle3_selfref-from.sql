-- t1 -> t2 -> t3 -> t1, each with a self-reference; t1 references t2
CREATE TABLE t2 (id integer PRIMARY KEY, parent_id integer REFERENCES t2 (id));
CREATE TABLE t1 (id integer PRIMARY KEY, parent_id integer REFERENCES t1 (id), t2_id integer REFERENCES t2 (id));
CREATE TABLE t3 (id integer PRIMARY KEY, parent_id integer REFERENCES t3 (id));
CREATE INDEX t1_parent ON t1 (parent_id);
