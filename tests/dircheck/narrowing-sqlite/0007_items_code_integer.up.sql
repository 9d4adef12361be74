-- migprop:foreign-keys-off
-- planted defect: the SQLite rebuild casts the text column code to integer
CREATE TABLE items_new (
  id         INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  name       TEXT NOT NULL,
  code       INTEGER,
  note       TEXT
);
INSERT INTO items_new (id, account_id, name, code, note)
  SELECT id, account_id, name, CAST(code AS INTEGER), note FROM items;
DROP TABLE items;
ALTER TABLE items_new RENAME TO items;
CREATE INDEX items_name ON items (name);
