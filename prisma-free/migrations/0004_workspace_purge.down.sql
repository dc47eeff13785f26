DROP FUNCTION purge_deleted_workspaces(integer);
DROP TRIGGER workspaces_guard_deletion ON workspaces;
DROP FUNCTION workspaces_guard_deletion();
GRANT DELETE ON workspaces TO ringfence_app;
