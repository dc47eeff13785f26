-- The audit row's request_id is the server's own id for the request (one per request,
-- never chosen by a client), so rows can be tied to one request and to its log line. A
-- well-formed X-Request-Id the client sent is kept beside it, for the client's own
-- correlation, and is covered by the row hash like every other column.

-- No CHECK: validating one would scan every partition under an exclusive lock; the writer
-- stores only well-formed ids (at most 128 characters).
ALTER TABLE audit_log ADD COLUMN client_request_id text;
GRANT INSERT (client_request_id) ON audit_log TO ringfence_app;

-- The same canonical content as before, plus the client's id when there is one: a row
-- without it hashes exactly as it did, so every existing link still verifies.
CREATE OR REPLACE FUNCTION audit_row_hash(r audit_log) RETURNS bytea
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    -- before/after are wrapped so that SQL NULL (no value) and JSON null hash differently.
    SELECT sha256(convert_to((jsonb_build_array(
      r.id, (extract(epoch FROM r.occurred_at) * 1000000)::bigint, r.workspace_id, r.actor_type, r.actor_id, r.action,
      r.target_type, r.target_id,
      CASE WHEN r.before IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(r.before) END,
      CASE WHEN r.after IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(r.after) END, r.outcome, r.reason, r.client_ip::text, r.user_agent,
      r.request_id, r.environment
    ) || CASE WHEN r.client_request_id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(r.client_request_id) END)::text, 'UTF8'))
  $$;
