CREATE TABLE t(id integer PRIMARY KEY, name text, n integer, tags text[]);
CREATE MATERIALIZED VIEW mv AS SELECT n, count(*) AS c FROM t GROUP BY n;
