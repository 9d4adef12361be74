-- migrate:up
ALTER TABLE users DROP COLUMN legacy;
ALTER TABLE users ALTER COLUMN name TYPE varchar(20);
ALTER TABLE users ALTER COLUMN id TYPE bigint;
DROP TABLE IF EXISTS never_created;
-- migrate:down
ALTER TABLE users ALTER COLUMN name TYPE varchar(100);
ALTER TABLE users ADD COLUMN legacy text;
