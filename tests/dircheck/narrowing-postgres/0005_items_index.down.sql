ALTER TABLE items DROP COLUMN note;
DROP INDEX items_name;
