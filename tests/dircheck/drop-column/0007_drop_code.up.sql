-- drops a column on purpose: intentional data loss, a failure with --fail-on-drop
ALTER TABLE items DROP COLUMN code;
