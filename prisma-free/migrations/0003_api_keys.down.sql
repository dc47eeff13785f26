DROP POLICY workspaces_lookup ON workspaces;
DROP TABLE api_keys;
DROP FUNCTION app_api_key_lookup();
ALTER TABLE workspaces
  DROP CONSTRAINT workspaces_deleted_at_status,
  DROP COLUMN deleted_at,
  DROP COLUMN allowed_origins,
  DROP COLUMN plan;
