-- SQLite: a REFERENCES target may be created later
CREATE TABLE base (id integer PRIMARY KEY, x_id integer REFERENCES x (id));
CREATE TABLE x (id integer PRIMARY KEY, y_id integer REFERENCES y (id), base_id integer REFERENCES base (id));
CREATE TABLE y (id integer PRIMARY KEY, x_id integer REFERENCES x (id));
