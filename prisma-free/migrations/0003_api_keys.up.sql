-- Workspaces grow a plan and their own CORS origins, and a soft delete; API keys arrive.
--
-- Authenticating a key happens before any workspace is known, so RLS must let exactly one
-- key be read then: the authenticator sets `app.api_key_lookup` to the presented public
-- key id, transaction-local, and the lookup policies show that key and its workspace,
-- nothing else. Every other read and write goes through the tenant or platform policies.

ALTER TABLE workspaces
  ADD COLUMN plan            text NOT NULL DEFAULT 'standard' CHECK (plan ~ '^[a-z][a-z0-9_-]{0,39}$'),
  ADD COLUMN allowed_origins text[] NOT NULL DEFAULT '{}',
  ADD COLUMN deleted_at      timestamptz,
  ADD CONSTRAINT workspaces_deleted_at_status CHECK ((status = 'deleted') = (deleted_at IS NOT NULL));

-- The public key id a transaction is authenticating, or NULL.
CREATE FUNCTION app_api_key_lookup() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.api_key_lookup', true), '') $$;

CREATE TABLE api_keys (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id    uuid NOT NULL REFERENCES workspaces (id),
  key_id          text NOT NULL UNIQUE CHECK (key_id ~ '^[0-9A-HJKMNP-TV-Z]{8}$'),
  environment     text NOT NULL CHECK (environment IN ('live', 'test')),
  name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  -- Empty: a legacy wildcard (imports only; the application refuses to create one).
  scopes          text[] NOT NULL,
  -- HMAC-SHA-256(pepper vN, key); the key itself is never stored.
  secret_hash     bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
  pepper_version  integer NOT NULL CHECK (pepper_version > 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  created_by      text NOT NULL,
  expires_at      timestamptz,
  revoked_at      timestamptz,
  revoked_reason  text,
  -- Rotation: the key that replaced this one (which then lives until its expiry, the grace period).
  replaced_by     uuid REFERENCES api_keys (id),
  last_used_at    timestamptz,
  version         integer NOT NULL DEFAULT 1
);
CREATE INDEX api_keys_workspace_id_idx ON api_keys (workspace_id);
CREATE INDEX api_keys_replaced_by_idx ON api_keys (replaced_by);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY api_keys_tenant ON api_keys
  USING (workspace_id = app_workspace_id())
  WITH CHECK (workspace_id = app_workspace_id());
CREATE POLICY api_keys_platform ON api_keys
  USING (app_platform_access())
  WITH CHECK (app_platform_access());
CREATE POLICY api_keys_lookup ON api_keys FOR SELECT
  USING (key_id = app_api_key_lookup());
GRANT SELECT, INSERT, UPDATE ON api_keys TO ringfence_app;

CREATE POLICY workspaces_lookup ON workspaces FOR SELECT
  USING (id IN (SELECT workspace_id FROM api_keys WHERE key_id = app_api_key_lookup()));
