-- Signed chain heads (docs/adr/0027-audit-checkpoints.md): the sealer signs each head it
-- reaches with the Ed25519 audit checkpoint key and appends it to a file outside PostgreSQL
-- first; this table keeps the same checkpoints for GET /v1/audit/checkpoints. It is not the
-- anchor (a superuser can rewrite it): the exported file is. Append-only like audit rows.
CREATE TABLE audit_head_checkpoints (
  seq          bigint PRIMARY KEY CHECK (seq > 0),
  head_hash    bytea NOT NULL CHECK (octet_length(head_hash) = 32),
  signed_at    timestamptz NOT NULL,
  key_version  integer NOT NULL CHECK (key_version > 0),
  signature    bytea NOT NULL CHECK (octet_length(signature) = 64),
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE audit_head_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_head_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_head_checkpoints_platform ON audit_head_checkpoints
  USING (app_platform_access())
  WITH CHECK (app_platform_access());
GRANT SELECT, INSERT ON audit_head_checkpoints TO ringfence_app;
CREATE TRIGGER audit_head_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON audit_head_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_head_checkpoints_no_truncate BEFORE TRUNCATE ON audit_head_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
