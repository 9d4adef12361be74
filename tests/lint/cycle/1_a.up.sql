CREATE TABLE a (id integer PRIMARY KEY, b_id integer);
CREATE INDEX a_c_id ON a (c_id);
