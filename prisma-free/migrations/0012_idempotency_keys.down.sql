DROP TABLE idempotency_keys;
DROP FUNCTION app_idempotency_purge();
