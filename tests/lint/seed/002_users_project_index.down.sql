DROP INDEX users_project_id;
