DROP TABLE audit_log;
DROP FUNCTION audit_log_refuse_change();
DROP TABLE workspaces;
DROP FUNCTION app_platform_access();
DROP FUNCTION app_workspace_id();
REVOKE SELECT ON schema_migrations FROM ringfence_app;
REVOKE USAGE ON SCHEMA public FROM ringfence_app;
