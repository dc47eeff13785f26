DROP TABLE admin_idempotency_keys;
DROP FUNCTION app_admin_id();
