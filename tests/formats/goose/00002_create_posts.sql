-- +goose Up
-- +goose StatementBegin
CREATE TABLE posts (
    id integer PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id),
    title text NOT NULL DEFAULT 'a; b'
);
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TABLE posts;
-- +goose StatementEnd
