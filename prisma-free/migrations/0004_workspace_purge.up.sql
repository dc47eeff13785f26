-- Soft-deleted workspaces are purged 30 days after their deletion, and only then.
-- * The deletion time is the database's: set when a workspace becomes 'deleted', never
--   changed afterwards, and a deleted workspace stays deleted (trigger, for every role).
-- * The app role loses DELETE on workspaces (it never had it on api_keys) and gets one
--   function instead, which removes nothing younger than 30 days and audits what it
--   removes in the same statement, whoever calls it.
REVOKE DELETE ON workspaces FROM ringfence_app;

CREATE FUNCTION workspaces_guard_deletion() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF OLD.status = 'deleted' AND NEW.status <> 'deleted' THEN
    RAISE EXCEPTION 'a deleted workspace stays deleted' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.status = 'deleted' AND OLD.status <> 'deleted' THEN
    NEW.deleted_at := now();
  ELSIF NEW.deleted_at IS DISTINCT FROM OLD.deleted_at THEN
    RAISE EXCEPTION 'deleted_at is set by the database when a workspace is deleted' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER workspaces_guard_deletion BEFORE UPDATE ON workspaces
  FOR EACH ROW EXECUTE FUNCTION workspaces_guard_deletion();

CREATE FUNCTION purge_deleted_workspaces(batch integer)
  RETURNS TABLE (workspace_id uuid, deleted_at timestamptz, api_keys_destroyed bigint)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
#variable_conflict use_column
DECLARE
  actor text := coalesce(current_setting('app.actor', true), '');
BEGIN
  -- Row-level security still applies (FORCE): this says why nothing would be found.
  IF NOT app_platform_access() THEN
    RAISE EXCEPTION 'purge_deleted_workspaces needs the platform setting' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY
  WITH due AS (
    SELECT w.id, w.deleted_at FROM workspaces w
     WHERE w.status = 'deleted' AND w.deleted_at < now() - interval '30 days'
     ORDER BY w.deleted_at, w.id
     LIMIT greatest(batch, 0)
     FOR UPDATE SKIP LOCKED
  ), keys AS (
    DELETE FROM api_keys k USING due WHERE k.workspace_id = due.id RETURNING k.workspace_id
  ), gone AS (
    DELETE FROM workspaces w USING due WHERE w.id = due.id RETURNING w.id
  ), purged AS (
    SELECT gone.id, due.deleted_at, (SELECT count(*) FROM keys WHERE keys.workspace_id = gone.id) AS destroyed
      FROM gone JOIN due ON due.id = gone.id
  ), audited AS (
    INSERT INTO audit_log (workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome)
    SELECT NULL,
           CASE WHEN split_part(actor, ':', 1) IN ('admin', 'system') THEN split_part(actor, ':', 1) ELSE 'system' END,
           nullif(substr(actor, strpos(actor, ':') + 1), ''),
           'workspace.purge', 'workspace', purged.id::text,
           jsonb_build_object('status', 'deleted', 'deletedAt', purged.deleted_at),
           jsonb_build_object('apiKeysDestroyed', purged.destroyed),
           'success'
      FROM purged
  )
  SELECT purged.id, purged.deleted_at, purged.destroyed FROM purged;
END $$;

REVOKE ALL ON FUNCTION purge_deleted_workspaces(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_deleted_workspaces(integer) TO ringfence_app;
