CREATE TABLE t(id integer, at date NOT NULL, PRIMARY KEY (id, at));
CREATE TABLE t_2024(id integer, at date NOT NULL, PRIMARY KEY (id, at));
