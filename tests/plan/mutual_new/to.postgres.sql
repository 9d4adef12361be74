-- PostgreSQL resolves REFERENCES at once: the cycle is closed afterwards
CREATE TABLE base (id integer PRIMARY KEY, x_id integer);
CREATE TABLE x (id integer PRIMARY KEY, y_id integer, base_id integer REFERENCES base (id));
CREATE TABLE y (id integer PRIMARY KEY, x_id integer REFERENCES x (id));
ALTER TABLE x ADD FOREIGN KEY (y_id) REFERENCES y (id);
ALTER TABLE base ADD FOREIGN KEY (x_id) REFERENCES x (id);
