DROP POLICY api_keys_tenant ON api_keys;
CREATE POLICY api_keys_tenant ON api_keys
  USING (workspace_id = app_workspace_id())
  WITH CHECK (workspace_id = app_workspace_id());
DROP FUNCTION app_environment();
