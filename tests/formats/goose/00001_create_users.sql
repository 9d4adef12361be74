-- +goose Up
CREATE TABLE users (id integer PRIMARY KEY, email varchar(200) NOT NULL);

-- +goose Down
DROP TABLE users;
