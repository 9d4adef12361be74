-- look users up by project
CREATE INDEX users_project_id ON users (project_id);
