DROP FUNCTION purge_deleted_workspaces(integer);
GRANT DELETE ON workspaces TO ringfence_app;
