CREATE TABLE t(id integer PRIMARY KEY, lo integer, hi integer, CONSTRAINT t_range CHECK (lo <= hi));
