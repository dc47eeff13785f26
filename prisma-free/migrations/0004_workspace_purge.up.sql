-- Soft-deleted workspaces are purged 30 days after their deletion, and only then: the
-- app role loses DELETE on workspaces (it never had it on api_keys) and gets one
-- function instead, which removes nothing younger than 30 days whatever the caller asks.
REVOKE DELETE ON workspaces FROM ringfence_app;

CREATE FUNCTION purge_deleted_workspaces(batch integer)
  RETURNS TABLE (workspace_id uuid, deleted_at timestamptz, api_keys_destroyed bigint)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
#variable_conflict use_column
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
  )
  SELECT gone.id, due.deleted_at, (SELECT count(*) FROM keys WHERE keys.workspace_id = gone.id)
    FROM gone JOIN due ON due.id = gone.id;
END $$;

REVOKE ALL ON FUNCTION purge_deleted_workspaces(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_deleted_workspaces(integer) TO ringfence_app;
