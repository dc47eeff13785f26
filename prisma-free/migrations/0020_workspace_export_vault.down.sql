DROP POLICY vault_secrets_export_read ON vault_secrets;
DROP FUNCTION app_workspace_export();
