ALTER TABLE users DROP COLUMN project_id;
