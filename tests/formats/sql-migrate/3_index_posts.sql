-- +migrate Up notransaction
CREATE INDEX posts_user_id ON posts (user_id);

-- +migrate Down
DROP INDEX posts_user_id;
