-- the schema tests/dircheck/base ends in
CREATE TABLE accounts (
  id    INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name  TEXT NOT NULL,
  tier  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE items (
  id         INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  name       TEXT NOT NULL,
  code       TEXT,
  note       TEXT
);
CREATE INDEX items_name ON items (name);
CREATE TABLE audit (
  id         INTEGER PRIMARY KEY,
  account_id INTEGER,
  note       TEXT
);
CREATE TABLE settings (
  k TEXT PRIMARY KEY,
  v TEXT
);
