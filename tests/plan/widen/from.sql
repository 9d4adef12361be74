-- type widening with NOT NULL and defaults; uniques; an index swap
CREATE TABLE acct (id integer PRIMARY KEY, n integer NOT NULL DEFAULT 0, code varchar(10) NOT NULL, note varchar(20),
                   amount numeric(8,2) DEFAULT 0, email text, CONSTRAINT acct_email UNIQUE (email));
CREATE TABLE line (id integer PRIMARY KEY, acct_id integer NOT NULL REFERENCES acct (id), qty integer);
CREATE INDEX ix_a ON line (acct_id);
CREATE INDEX ix_b ON line (qty);
