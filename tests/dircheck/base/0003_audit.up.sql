CREATE TABLE audit (
  id         INTEGER PRIMARY KEY,
  account_id INTEGER,
  note       TEXT
);
