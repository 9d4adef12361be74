DROP FUNCTION audit_fn();
