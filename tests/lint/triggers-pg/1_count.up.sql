CREATE FUNCTION count_tasks() RETURNS bigint LANGUAGE sql STABLE AS $$SELECT count(*) FROM tasks$$;
