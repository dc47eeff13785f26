import { Route, Routes, useParams } from 'react-router';
import { PoliciesTab } from '../cosigner/policies-tab';
import { TransfersTab } from '../cosigner/transfers-tab';
import { WebhooksTab } from '../webhooks/webhooks-tab';
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
        <Route path="policies" element={<WorkspaceTab tab={PoliciesTab} />} />
        <Route path="transfers" element={<WorkspaceTab tab={TransfersTab} />} />
        <Route path="webhooks" element={<WorkspaceTab tab={WebhooksTab} />} />
        <Route path="*" element={<WorkspaceTabNotFound />} />
      </Route>
    </Routes>
  );
}

/** A tab that takes the workspace's id (the cosigner's and webhooks' tabs), remounted for another workspace. */
function WorkspaceTab({ tab: Tab }: { tab: (props: { workspaceId: string }) => React.JSX.Element }) {
  const { id = '' } = useParams();
  return <Tab key={id} workspaceId={id} />;
}
