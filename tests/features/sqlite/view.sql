CREATE TABLE t(id integer PRIMARY KEY, name text, n integer);
CREATE VIEW v AS SELECT id, name FROM t WHERE n > 0;
