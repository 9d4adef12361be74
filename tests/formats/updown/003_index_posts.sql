-- UP
CREATE INDEX posts_user_id ON posts (user_id);
-- DOWN
DROP INDEX posts_user_id;
