DROP TRIGGER trg ON tasks;
