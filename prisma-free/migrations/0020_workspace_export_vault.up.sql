-- The workspace export (issue 19, docs/adr/0028-workspace-export.md) carries the vault's
-- metadata: each secret's name, environment, description, current version and dates. It reads
-- them as its own actor on the platform path, `system:workspace-export`, and reads nothing
-- else of the vault: `vault_secrets` holds no value (the sealed values are in
-- `vault_secret_versions`, which keeps no platform read but the rewrap's), and the policy is
-- SELECT only. An admin's own transaction still sees no vault row (migration 0007).
CREATE FUNCTION app_workspace_export() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT app_platform_access() AND coalesce(current_setting('app.actor', true), '') = 'system:workspace-export' $$;
CREATE POLICY vault_secrets_export_read ON vault_secrets FOR SELECT
  USING ((SELECT app_workspace_export()));
