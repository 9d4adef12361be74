-- the code moved to another service
ALTER TABLE accounts DROP COLUMN legacy_code;
