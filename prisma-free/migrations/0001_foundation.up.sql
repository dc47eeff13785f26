-- Foundation: workspaces and the audit log, tenant-isolated by row-level security
-- from the first migration. Runs as the owner role; ringfence_app owns nothing.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ringfence_app') THEN
    RAISE EXCEPTION 'role ringfence_app is missing: provision the roles first (prisma-free/provision.ts)';
  END IF;
END $$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ringfence_app;
GRANT SELECT ON schema_migrations TO ringfence_app;

-- The tenant id the current transaction acts for, or NULL when none is set.
CREATE FUNCTION app_workspace_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.workspace_id', true), '')::uuid $$;

-- True only on the explicit, admin-guarded platform paths (admins, auditors, workers).
CREATE FUNCTION app_platform_access() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT coalesce(current_setting('app.platform', true), '') = 'on' $$;

CREATE TABLE workspaces (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'deleted')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1
);

ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY workspaces_tenant ON workspaces
  USING (id = app_workspace_id())
  WITH CHECK (id = app_workspace_id());
CREATE POLICY workspaces_platform ON workspaces
  USING (app_platform_access())
  WITH CHECK (app_platform_access());
GRANT SELECT, INSERT, UPDATE, DELETE ON workspaces TO ringfence_app;

CREATE TABLE audit_log (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- No foreign key: the evidence outlives the workspace it speaks of.
  workspace_id  uuid,
  actor_type    text NOT NULL CHECK (actor_type IN ('admin', 'api_key', 'provider', 'system', 'anonymous')),
  actor_id      text,
  action        text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  target_type   text,
  target_id     text,
  before        jsonb,
  after         jsonb,
  outcome       text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  reason        text,
  client_ip     inet,
  user_agent    text,
  request_id    text
);
CREATE INDEX audit_log_workspace_id_idx ON audit_log (workspace_id, id);
CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_tenant_read ON audit_log FOR SELECT
  USING (workspace_id = app_workspace_id());
CREATE POLICY audit_log_platform_read ON audit_log FOR SELECT
  USING (app_platform_access());
-- A row may name the acting workspace, or no workspace (platform events such as a
-- failed login); only platform paths may write rows about any workspace.
CREATE POLICY audit_log_append ON audit_log FOR INSERT
  WITH CHECK (workspace_id IS NULL OR workspace_id = app_workspace_id() OR app_platform_access());
GRANT SELECT, INSERT ON audit_log TO ringfence_app;

-- Append-only for everyone, owner included: the database refuses to rewrite history.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
