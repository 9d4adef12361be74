-- +migrate Up
CREATE TABLE users (id integer PRIMARY KEY, email varchar(200) NOT NULL);

-- +migrate Down
DROP TABLE users;
