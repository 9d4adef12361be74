ALTER TABLE users ADD COLUMN project_id integer;
