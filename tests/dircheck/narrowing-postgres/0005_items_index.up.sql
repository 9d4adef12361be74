CREATE INDEX items_name ON items (name);
ALTER TABLE items ADD COLUMN note TEXT;
