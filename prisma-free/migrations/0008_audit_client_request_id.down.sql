-- Rows written with a client request id would no longer verify under the old hash.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM audit_log WHERE client_request_id IS NOT NULL) THEN
    RAISE EXCEPTION 'audit rows carry client request ids: reverting would break their hashes';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION audit_row_hash(r audit_log) RETURNS bytea
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT sha256(convert_to(jsonb_build_array(
      r.id, (extract(epoch FROM r.occurred_at) * 1000000)::bigint, r.workspace_id, r.actor_type, r.actor_id, r.action,
      r.target_type, r.target_id,
      CASE WHEN r.before IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(r.before) END,
      CASE WHEN r.after IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(r.after) END, r.outcome, r.reason, r.client_ip::text, r.user_agent,
      r.request_id, r.environment
    )::text, 'UTF8'))
  $$;
ALTER TABLE audit_log DROP COLUMN client_request_id;
