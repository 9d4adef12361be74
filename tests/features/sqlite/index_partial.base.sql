CREATE TABLE t(id integer PRIMARY KEY, name text, n integer);
CREATE INDEX t_n ON t(n);
