import { Route, Routes } from 'react-router';
import { ApiKeysTab } from './api-keys-tab';
import { WorkspaceDetailPage, WorkspaceTabNotFound } from './workspace-detail-page';
import { WorkspaceListPage } from './workspace-list-page';
import { WorkspaceOverviewTab } from './workspace-overview-tab';

/**
 * The workspaces area (`/workspaces/*` in app.tsx): the list, and a workspace's page with its
 * tabs as child routes of `:id`. A tab is a route here plus an entry in WORKSPACE_TABS
 * (workspace-detail-page.tsx); its component reads the workspace with useWorkspace().
 */
export function WorkspacesPage() {
  return (
    <Routes>
      <Route index element={<WorkspaceListPage />} />
      <Route path=":id" element={<WorkspaceDetailPage />}>
        <Route index element={<WorkspaceOverviewTab />} />
        <Route path="api-keys" element={<ApiKeysTab />} />
        <Route path="*" element={<WorkspaceTabNotFound />} />
      </Route>
    </Routes>
  );
}
