CREATE TABLE "user" (id integer PRIMARY KEY, name varchar(60) NOT NULL DEFAULT 'x', email text UNIQUE);
CREATE TABLE post (id integer PRIMARY KEY, author_id integer REFERENCES "user" (id), title text NOT NULL DEFAULT '');
CREATE TABLE comment (id integer PRIMARY KEY, post_id integer REFERENCES post (id) ON DELETE CASCADE, body text);
CREATE INDEX post_author ON post (author_id);
