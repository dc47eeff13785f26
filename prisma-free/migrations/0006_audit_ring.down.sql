DROP FUNCTION audit_verify(bigint);
DROP FUNCTION audit_drop_partitions(interval);
DROP TABLE audit_checkpoints;
DROP FUNCTION audit_seal(integer, interval);
DROP TABLE audit_chain;
DROP FUNCTION audit_row_hash(audit_log);

ALTER TABLE audit_log RENAME TO audit_log_partitioned;
CREATE TABLE audit_log (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
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
INSERT INTO audit_log (id, occurred_at, workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome, reason, client_ip, user_agent, request_id)
  OVERRIDING SYSTEM VALUE
  SELECT id, occurred_at, workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome, reason, client_ip, user_agent, request_id
    FROM audit_log_partitioned;
SELECT setval(pg_get_serial_sequence('audit_log', 'id'), coalesce((SELECT max(id) FROM audit_log), 0) + 1, false);
DROP TABLE audit_log_partitioned;
DROP FUNCTION audit_ensure_partitions(date, integer);
CREATE INDEX audit_log_workspace_id_idx ON audit_log (workspace_id, id);
CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at);
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_tenant_read ON audit_log FOR SELECT
  USING (workspace_id = app_workspace_id());
CREATE POLICY audit_log_platform_read ON audit_log FOR SELECT
  USING (app_platform_access());
CREATE POLICY audit_log_append ON audit_log FOR INSERT
  WITH CHECK (workspace_id IS NULL OR workspace_id = app_workspace_id() OR app_platform_access());
GRANT SELECT, INSERT ON audit_log TO ringfence_app;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
