CREATE TABLE t(id integer PRIMARY KEY, name text, n integer, tags text[]);
CREATE VIEW v AS SELECT id, name FROM t WHERE n > 0;
