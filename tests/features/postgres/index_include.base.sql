CREATE TABLE t(id integer PRIMARY KEY, name text, n integer, tags text[]);
CREATE INDEX t_n ON t(n);
