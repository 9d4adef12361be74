CREATE TABLE t(id integer PRIMARY KEY, at integer DEFAULT (strftime('%s', 'now')));
