-- migrate:up
CREATE TABLE users (
    id integer PRIMARY KEY,
    name varchar(100) NOT NULL,
    nickname text,
    legacy text
);
CREATE TABLE posts (
    id integer PRIMARY KEY,
    author_id integer NOT NULL REFERENCES users (id),
    title text
);
-- migrate:down
DROP TABLE posts;
DROP TABLE users;
