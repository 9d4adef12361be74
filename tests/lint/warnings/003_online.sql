-- migrate:up
ALTER TABLE posts ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE posts ADD COLUMN created_at timestamptz DEFAULT now();
ALTER TABLE posts ALTER COLUMN title SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_nickname_not_null CHECK (nickname IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_nickname_not_null;
ALTER TABLE users ALTER COLUMN nickname SET NOT NULL;
CREATE INDEX posts_author ON posts (author_id);
CREATE INDEX CONCURRENTLY posts_title ON posts (title);
CREATE TABLE tags (id integer PRIMARY KEY, label text DEFAULT random()::text);
CREATE INDEX tags_label ON tags (label);
-- migrate:down
DROP TABLE tags;
