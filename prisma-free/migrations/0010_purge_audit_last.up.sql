-- The purge writes its audit rows last. An audit row is sealed in id order once it is
-- older than the sealer's settle delay (ten seconds); a row that commits later than that,
-- behind rows already sealed, is never sealed and audit_verify reports it as "row inserted
-- out of order", for good (and retention never drops its month). In 0004's single
-- statement the audit rows were inserted before the workspace's vault went: the cascades
-- of its foreign keys run at the end of the statement, and a large vault or a slow
-- database kept the rows uncommitted for as long as they took (the purge may run for
-- DATABASE_LONG_RUNNING_TIMEOUT_MS). Now the deletions (cascades included) are one
-- statement and the audit rows the next, just before the transaction commits.

CREATE OR REPLACE FUNCTION purge_deleted_workspaces(batch integer)
  RETURNS TABLE (workspace_id uuid, deleted_at timestamptz, api_keys_destroyed bigint)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
#variable_conflict use_column
DECLARE
  actor text := coalesce(current_setting('app.actor', true), '');
  ids uuid[];
  deleted_ats timestamptz[];
  destroyed bigint[];
BEGIN
  -- Row-level security still applies (FORCE): this says why nothing would be found.
  IF NOT app_platform_access() THEN
    RAISE EXCEPTION 'purge_deleted_workspaces needs the platform setting' USING ERRCODE = 'insufficient_privilege';
  END IF;
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
  SELECT coalesce(array_agg(gone.id ORDER BY due.deleted_at, gone.id), '{}'),
         coalesce(array_agg(due.deleted_at ORDER BY due.deleted_at, gone.id), '{}'),
         coalesce(array_agg((SELECT count(*) FROM keys WHERE keys.workspace_id = gone.id) ORDER BY due.deleted_at, gone.id), '{}')
    INTO ids, deleted_ats, destroyed
    FROM gone JOIN due ON due.id = gone.id;
  -- The vault went with the statement above (its cascades ran at its end): the evidence now.
  INSERT INTO audit_log (workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome)
  SELECT NULL,
         CASE WHEN split_part(actor, ':', 1) IN ('admin', 'system') THEN split_part(actor, ':', 1) ELSE 'system' END,
         nullif(substr(actor, strpos(actor, ':') + 1), ''),
         'workspace.purge', 'workspace', p.id::text,
         jsonb_build_object('status', 'deleted', 'deletedAt', p.deleted_at),
         jsonb_build_object('apiKeysDestroyed', p.destroyed),
         'success'
    FROM unnest(ids, deleted_ats, destroyed) AS p (id, deleted_at, destroyed);
  RETURN QUERY SELECT p.id, p.deleted_at, p.destroyed FROM unnest(ids, deleted_ats, destroyed) AS p (id, deleted_at, destroyed);
END $$;
