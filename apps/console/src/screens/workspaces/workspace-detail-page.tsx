import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, NavLink, Outlet, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import type { AdminRole } from '../../session/session';
import { hasRole, useMe } from '../../session/use-session';
import { ProblemAlert } from '../../ui/problem-alert';
import { TypedConfirmation } from '../../ui/typed-confirmation';
import { SuspendWorkspaceDialog } from './suspend-workspace-dialog';
import { canManageWorkspaces, workspaceQueries, type Workspace, type WorkspaceOutlet } from './workspace-data';

/**
 * The workspace page's tabs, each a child route of `/workspaces/:id` (workspaces-page.tsx)
 * shown to the roles whose calls its API routes answer. Policies, transfers and webhooks
 * join here as `policies`, `transfers`, `webhooks`.
 */
const WORKSPACE_TABS: readonly { path: string; label: string; roles: readonly AdminRole[] }[] = [
  { path: '', label: 'Overview', roles: ['owner', 'admin', 'auditor'] },
  { path: 'api-keys', label: 'API keys', roles: ['owner', 'admin'] },
  { path: 'policies', label: 'Policies', roles: ['owner', 'admin'] },
  { path: 'transfers', label: 'Transfers', roles: ['owner', 'admin', 'auditor'] },
  { path: 'webhooks', label: 'Webhooks', roles: ['owner', 'admin'] },
];

/**
 * One workspace: its name and state, what the admin's role may do to it (suspend or
 * reactivate, delete after typing its name), and its tabs below.
 */
export function WorkspaceDetailPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<'suspend' | 'delete'>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const workspace = useQuery({
    queryKey: workspaceQueries.one(id),
    queryFn: async () => unwrap(await api.GET('/v1/admin/workspaces/{id}', { params: { path: { id } } })),
  });

  if (workspace.isPending) {
    return (
      <p className="loading" role="status">
        Loading the workspace…
      </p>
    );
  }
  if (workspace.isError) {
    const missing = workspace.error instanceof ApiError && (workspace.error.status === 404 || workspace.error.status === 400);
    return (
      <>
        <h1>{missing ? 'Workspace not found' : 'Workspace'}</h1>
        {missing ? <p>There is no workspace with this id: it may have been deleted.</p> : <ProblemAlert error={workspace.error} />}
        <p>
          <Link to="/workspaces">Back to the workspaces</Link>
        </p>
      </>
    );
  }

  const current = workspace.data;
  const changed = async (next: Workspace, message: string): Promise<void> => {
    queryClient.setQueryData(workspaceQueries.one(next.id), next);
    await queryClient.invalidateQueries({ queryKey: workspaceQueries.lists });
    setNotice(message);
  };

  const reactivate = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const next = await unwrap(await api.POST('/v1/admin/workspaces/{id}/reactivate', { params: { path: { id } } }));
      await changed(next, 'The workspace is active again: its keys work from the next request on.');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (): Promise<void> => {
    await unwrap(await api.DELETE('/v1/admin/workspaces/{id}', { params: { path: { id } } }));
    await navigate('/workspaces', { replace: true, state: { notice: `The workspace “${current.name}” was deleted.` } });
    queryClient.removeQueries({ queryKey: workspaceQueries.one(id) });
    await queryClient.invalidateQueries({ queryKey: workspaceQueries.lists });
  };

  return (
    <>
      <nav aria-label="Breadcrumb" className="small">
        <Link to="/workspaces">Workspaces</Link> / {current.name}
      </nav>
      <h1>
        {current.name} <span className={`badge status-${current.status}`}>{current.status}</span>
      </h1>
      {notice && (
        <p role="status" className="alert alert-info">
          {notice}
        </p>
      )}
      <ProblemAlert error={error} />
      {canManageWorkspaces(me) && (
        <div className="actions">
          {current.status === 'active' ? (
            <button type="button" onClick={() => setDialog('suspend')} disabled={busy}>
              Suspend
            </button>
          ) : (
            <button type="button" onClick={() => void reactivate()} disabled={busy}>
              Reactivate
            </button>
          )}
          <button type="button" className="danger" onClick={() => setDialog('delete')} disabled={busy}>
            Delete workspace
          </button>
        </div>
      )}
      <nav aria-label="Workspace sections" className="tabs">
        {WORKSPACE_TABS.filter((tab) => hasRole(me, ...tab.roles)).map((tab) => (
          <NavLink key={tab.path} to={tab.path === '' ? '.' : tab.path} end={tab.path === ''}>
            {tab.label}
          </NavLink>
        ))}
      </nav>
      <Outlet context={{ workspace: current } satisfies WorkspaceOutlet} />
      {dialog === 'suspend' && (
        <SuspendWorkspaceDialog
          workspace={current}
          onClose={() => setDialog(undefined)}
          onSuspended={async (next) => {
            setDialog(undefined);
            await changed(next, 'The workspace is suspended: its keys are refused from the next request on.');
          }}
        />
      )}
      {dialog === 'delete' && (
        <TypedConfirmation
          title="Delete this workspace"
          expected={current.name}
          action="Delete workspace"
          consequence="The workspace disappears from every list and route, and its keys are refused at once. Its records are purged later; this cannot be undone from the console."
          onConfirm={remove}
          onClose={() => setDialog(undefined)}
        />
      )}
    </>
  );
}

/** A tab path this workspace page does not have. */
export function WorkspaceTabNotFound() {
  return (
    <p role="status">
      This workspace has no such section. <Link to="..">Back to its overview</Link>
    </p>
  );
}
