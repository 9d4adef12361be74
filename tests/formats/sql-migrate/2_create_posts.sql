-- +migrate Up
CREATE TABLE posts (id integer PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id), title text NOT NULL);

-- +migrate Down
DROP TABLE posts;
