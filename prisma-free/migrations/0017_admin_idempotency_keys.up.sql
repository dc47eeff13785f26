-- Idempotency keys of admin routes (docs/adr/0020-idempotency-keys.md, "Admin routes"): the
-- answer an admin's create gave, kept under the `Idempotency-Key` the admin sent, so that a
-- retried POST /v1/admin/workspaces makes one workspace. An admin has no workspace: the
-- entries are each admin's own (the admin's keys, as an API key's are its workspace's and
-- environment's), kept beside, not in, the workspaces' table. Same rules as
-- idempotency_keys (migration 0012): written just before the mutation's COMMIT, never
-- changed, deleted by its owner only once expired, purged by the idempotency purge alone.

CREATE TABLE admin_idempotency_keys (
  admin_id      uuid NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
  key           text NOT NULL CHECK (key ~ '^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]{1,255}$'),
  fingerprint   bytea NOT NULL CHECK (octet_length(fingerprint) = 32),
  status        smallint NOT NULL CHECK (status BETWEEN 200 AND 599),
  headers       jsonb NOT NULL CHECK (jsonb_typeof(headers) = 'object'),
  -- Never a secret: an @Idempotent() route's answer carries none (ADR 0020).
  body          text CHECK (octet_length(body) <= 1048576),
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL,
  expires_at    timestamptz NOT NULL,
  PRIMARY KEY (admin_id, key),
  CONSTRAINT admin_idempotency_keys_kept_a_day CHECK (expires_at >= created_at + interval '24 hours')
);
CREATE INDEX admin_idempotency_keys_expiry ON admin_idempotency_keys (expires_at);

ALTER TABLE admin_idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE admin_idempotency_keys FORCE ROW LEVEL SECURITY;

-- The acting admin's own entries (the platform path, as the admin: `app.actor` = `admin:<id>`),
-- read once per statement; another admin's are invisible.
CREATE FUNCTION app_admin_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN app_platform_access() AND coalesce(current_setting('app.actor', true), '') ~ '^admin:[0-9a-f-]{36}$'
                    THEN substr(current_setting('app.actor', true), 7)::uuid END $$;
CREATE POLICY admin_idempotency_keys_own_read ON admin_idempotency_keys FOR SELECT
  USING (admin_id = (SELECT app_admin_id()));
CREATE POLICY admin_idempotency_keys_own_insert ON admin_idempotency_keys FOR INSERT
  WITH CHECK (admin_id = (SELECT app_admin_id()));
CREATE POLICY admin_idempotency_keys_own_delete_expired ON admin_idempotency_keys FOR DELETE
  USING (admin_id = (SELECT app_admin_id()) AND expires_at <= now());
CREATE POLICY admin_idempotency_keys_purge_read ON admin_idempotency_keys FOR SELECT
  USING ((SELECT app_idempotency_purge()) AND expires_at <= now());
CREATE POLICY admin_idempotency_keys_purge ON admin_idempotency_keys FOR DELETE
  USING ((SELECT app_idempotency_purge()) AND expires_at <= now());

GRANT SELECT, INSERT, DELETE ON admin_idempotency_keys TO ringfence_app;
