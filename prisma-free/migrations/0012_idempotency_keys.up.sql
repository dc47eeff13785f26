-- Idempotency keys (docs/adr/0020-idempotency-keys.md): the answer a mutating API-key
-- request gave, kept under the key its client sent (`Idempotency-Key`) so that a retry of
-- the same request gets the same answer instead of a second mutation. An entry is written
-- in the transaction of the mutation it answers, just before COMMIT: it exists exactly when
-- that mutation committed. A key belongs to one workspace and one environment (a test key
-- never sees a live key's entry); the keys of one workspace and environment share it.
--
-- An entry is never changed: the app role may read and write its own, delete its own once
-- expired (an expired key acts as new), and the purge job alone deletes every workspace's
-- expired entries. The request's fingerprint is a hash: no request body is kept.

CREATE TABLE idempotency_keys (
  -- The purge deletes a workspace 30 days after its deletion; its entries go with it.
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  environment   text NOT NULL CHECK (environment IN ('live', 'test')),
  -- Visible ASCII but the double quote, the comma and the backslash, 1 to 255 of them (the application's rule too).
  key           text NOT NULL CHECK (key ~ '^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]{1,255}$'),
  -- SHA-256 of the request's method, route, parameters, query and canonical body.
  fingerprint   bytea NOT NULL CHECK (octet_length(fingerprint) = 32),
  status        smallint NOT NULL CHECK (status BETWEEN 200 AND 599),
  -- The answer's headers that a replay repeats (content type, location), by lower-case name.
  headers       jsonb NOT NULL CHECK (jsonb_typeof(headers) = 'object'),
  -- The answer's body exactly as it was sent; NULL: it had none. Never a secret (ADR 0020).
  body          text CHECK (octet_length(body) <= 1048576),
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL,
  -- Kept at least 24 hours (IDEMPOTENCY_KEY_TTL_HOURS, the IETF draft's and Stripe's minimum).
  expires_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, environment, key),
  CONSTRAINT idempotency_keys_kept_a_day CHECK (expires_at >= created_at + interval '24 hours')
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;

-- A key's own workspace and environment, read once per statement (InitPlan). No admin path
-- reads an entry.
CREATE POLICY idempotency_keys_tenant_read ON idempotency_keys FOR SELECT
  USING (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()));
CREATE POLICY idempotency_keys_tenant_insert ON idempotency_keys FOR INSERT
  WITH CHECK (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()));
-- An entry still kept cannot be removed by its tenant: its mutation would run again.
CREATE POLICY idempotency_keys_tenant_delete_expired ON idempotency_keys FOR DELETE
  USING (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()) AND expires_at <= now());

-- The purge alone (the platform path acting as `system:idempotency-purge`) reads and deletes
-- the expired entries of every workspace, and nothing younger; an admin's transaction, also
-- on the platform path, sees none.
CREATE FUNCTION app_idempotency_purge() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT app_platform_access() AND coalesce(current_setting('app.actor', true), '') = 'system:idempotency-purge' $$;
CREATE POLICY idempotency_keys_purge_read ON idempotency_keys FOR SELECT
  USING ((SELECT app_idempotency_purge()) AND expires_at <= now());
CREATE POLICY idempotency_keys_purge ON idempotency_keys FOR DELETE
  USING ((SELECT app_idempotency_purge()) AND expires_at <= now());

GRANT SELECT, INSERT, DELETE ON idempotency_keys TO ringfence_app;
