CREATE TABLE acct (id integer PRIMARY KEY, n bigint NOT NULL DEFAULT 42, code varchar(50), note text NOT NULL DEFAULT 'n/a',
                   amount numeric(12,2), email text, CONSTRAINT acct_code UNIQUE (code));
CREATE TABLE line (id integer PRIMARY KEY, acct_id integer NOT NULL REFERENCES acct (id), qty bigint NOT NULL DEFAULT 1);
CREATE INDEX ix_b ON line (acct_id);
CREATE INDEX ix_a ON line (qty);
