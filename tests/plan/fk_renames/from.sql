CREATE TABLE users (id integer PRIMARY KEY, name varchar(20) NOT NULL, email text);
CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users (id), title text);
CREATE TABLE comments (id integer PRIMARY KEY, post_id integer REFERENCES posts (id), body text);
CREATE INDEX posts_user ON posts (user_id);
