CREATE TABLE t(id integer PRIMARY KEY, n integer, twice integer GENERATED ALWAYS AS (n * 2) STORED);
