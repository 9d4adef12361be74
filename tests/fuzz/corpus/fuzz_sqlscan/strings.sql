CREATE TABLE t (id int PRIMARY KEY, s text DEFAULT 'a;b');
INSERT INTO t VALUES (1, E'\';'), (2, $$x;y$$);
