-- The vault: workspace secrets under the master keyring (AES-256-GCM, AAD binding each
-- value to its table, column, workspace, environment, secret, version and row). A secret lives in one
-- workspace and one environment (a test key never sees a live secret); its values are
-- versions, the last few kept. The database holds ciphertexts only.
--
-- The app role may change nothing of a version but its ciphertext, and that only as the
-- rewrap; nothing of a secret but which version is current and its description.

CREATE TABLE vault_secrets (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The purge deletes a workspace 30 days after its deletion; its secrets go with it.
  workspace_id     uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  environment      text NOT NULL CHECK (environment IN ('live', 'test')),
  name             text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
  description      text CHECK (char_length(description) <= 500),
  current_version  integer NOT NULL CHECK (current_version > 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  created_by       text NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT vault_secrets_name_unique UNIQUE (workspace_id, environment, name),
  -- The versions' foreign key: a version sits in its secret's workspace and environment.
  CONSTRAINT vault_secrets_place_unique UNIQUE (id, workspace_id, environment)
);

CREATE TABLE vault_secret_versions (
  id            uuid PRIMARY KEY,
  secret_id     uuid NOT NULL,
  workspace_id  uuid NOT NULL,
  environment   text NOT NULL,
  version       integer NOT NULL CHECK (version > 0),
  -- Format byte, key version, IV, ciphertext, tag: the value is at most 32 KiB.
  sealed_value  bytea NOT NULL CHECK (octet_length(sealed_value) BETWEEN 34 AND 32768 + 33),
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL,
  CONSTRAINT vault_secret_versions_unique UNIQUE (secret_id, version),
  FOREIGN KEY (secret_id, workspace_id, environment) REFERENCES vault_secrets (id, workspace_id, environment) ON DELETE CASCADE
);

ALTER TABLE vault_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE vault_secrets FORCE ROW LEVEL SECURITY;
ALTER TABLE vault_secret_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE vault_secret_versions FORCE ROW LEVEL SECURITY;

-- A key's own workspace and environment, read once per statement (InitPlan). No platform
-- policy on secrets: no admin path reads a vault.
CREATE POLICY vault_secrets_tenant ON vault_secrets
  USING (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()))
  WITH CHECK (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()));

-- A version is written once and read or destroyed by its vault; it is never updated there.
CREATE POLICY vault_secret_versions_tenant_read ON vault_secret_versions FOR SELECT
  USING (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()));
CREATE POLICY vault_secret_versions_tenant_insert ON vault_secret_versions FOR INSERT
  WITH CHECK (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()));
CREATE POLICY vault_secret_versions_tenant_delete ON vault_secret_versions FOR DELETE
  USING (workspace_id = (SELECT app_workspace_id()) AND environment = (SELECT app_environment()));

-- The rewrap alone (the platform path acting as `system:keys-rewrap`) reads every vault's
-- ciphertexts and replaces them; an admin's transaction, also on the platform path, sees none.
CREATE FUNCTION app_key_rewrap() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT app_platform_access() AND coalesce(current_setting('app.actor', true), '') = 'system:keys-rewrap' $$;
CREATE POLICY vault_secret_versions_rewrap_read ON vault_secret_versions FOR SELECT
  USING ((SELECT app_key_rewrap()));
CREATE POLICY vault_secret_versions_rewrap ON vault_secret_versions FOR UPDATE
  USING ((SELECT app_key_rewrap())) WITH CHECK ((SELECT app_key_rewrap()));

GRANT SELECT, INSERT, DELETE ON vault_secrets, vault_secret_versions TO ringfence_app;
GRANT UPDATE (current_version, description, updated_at) ON vault_secrets TO ringfence_app;
GRANT UPDATE (sealed_value) ON vault_secret_versions TO ringfence_app;
