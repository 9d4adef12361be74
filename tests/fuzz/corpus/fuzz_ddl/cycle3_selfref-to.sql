CREATE TABLE t3 (id integer PRIMARY KEY, parent_id integer REFERENCES t3 (id));
CREATE TABLE t2 (id integer PRIMARY KEY, parent_id integer REFERENCES t2 (id), t2_id integer REFERENCES t3 (id));
CREATE TABLE t1 (id integer PRIMARY KEY, parent_id integer REFERENCES t1 (id));
CREATE INDEX t1_parent ON t2 (parent_id);
