-- 0004's purge: its audit rows inserted in the same statement as the deletions.
CREATE OR REPLACE FUNCTION purge_deleted_workspaces(batch integer)
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
