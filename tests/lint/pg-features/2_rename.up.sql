-- migprop:no-transaction
ALTER TABLE users RENAME TO accounts;
CREATE INDEX CONCURRENTLY accounts_m ON accounts (m);
ALTER TABLE accounts RENAME COLUMN email TO mail;
ALTER INDEX users_email_key RENAME TO accounts_mail_key;
CREATE TABLE snapshot AS SELECT * FROM accounts;
CREATE INDEX CONCURRENTLY snapshot_mail ON snapshot (mail);
INSERT INTO accounts (mail) SELECT mail FROM snapshot;
DROP INDEX CONCURRENTLY events_2024_at;
