-- Test and live are two worlds inside a workspace: a key acts in its environment
-- (`app.environment`, set from the key by the application) and the database shows it
-- that environment's rows only. Platform paths (admins, workers) see both.
CREATE FUNCTION app_environment() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.environment', true), '') $$;

DROP POLICY api_keys_tenant ON api_keys;
CREATE POLICY api_keys_tenant ON api_keys
  USING (workspace_id = app_workspace_id() AND environment = app_environment())
  WITH CHECK (workspace_id = app_workspace_id() AND environment = app_environment());
