import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { useMe } from '../../session/use-session';
import { Field } from '../../ui/field';
import { Pager, usePager } from '../../ui/pager';
import { Timestamp } from '../../ui/timestamp';
import { ProblemAlert } from '../../ui/problem-alert';
import { CreateWorkspaceDialog } from './create-workspace-dialog';
import { canManageWorkspaces, workspaceQueries, type WorkspaceStatusFilter } from './workspace-data';

/** How long the search box waits for the admin to stop typing before it asks the API. */
const SEARCH_PAUSE_MS = 300;

const STATUS_CHOICES: readonly { value: WorkspaceStatusFilter | ''; label: string }[] = [
  { value: '', label: 'Any' },
  { value: 'active', label: 'Active' },
  { value: 'suspended', label: 'Suspended' },
];

/**
 * Every workspace (deleted ones are gone), newest first, a page at a time: searched by name
 * and filtered by status on the API's side, so paging walks the filtered list. Owners and
 * admins create from here; auditors read.
 */
export function WorkspaceListPage() {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  // A notice the previous page left (a deletion): shown once, not again on a reload or a return.
  const [notice] = useState((location.state as { notice?: string } | null)?.notice);
  useEffect(() => {
    if (notice) void navigate('.', { replace: true, state: null });
  }, [notice, navigate]);
  const pager = usePager();
  const statusId = useId();
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<WorkspaceStatusFilter | ''>('');
  const [creating, setCreating] = useState(false);
  const pause = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(pause.current), []);

  const type = (value: string): void => {
    setTyped(value);
    clearTimeout(pause.current);
    pause.current = setTimeout(() => {
      setSearch(value.trim());
      pager.reset();
    }, SEARCH_PAUSE_MS);
  };

  const list = useQuery({
    queryKey: workspaceQueries.list({ search, status, cursor: pager.cursor }),
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/admin/workspaces', {
          params: {
            query: {
              ...(pager.cursor ? { cursor: pager.cursor } : {}),
              ...(search ? { search } : {}),
              ...(status ? { status } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const items = list.data?.items ?? [];
  const filtered = search !== '' || status !== '';

  return (
    <>
      <h1>Workspaces</h1>
      {notice && (
        <p role="status" className="alert alert-info">
          {notice}
        </p>
      )}
      {canManageWorkspaces(me) && (
        <div className="actions">
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create workspace
          </button>
        </div>
      )}
      <form role="search" aria-label="Filter workspaces" className="toolbar" onSubmit={(event) => event.preventDefault()}>
        <Field label="Search by name" type="search" value={typed} onChange={type} autoComplete="off" maxLength={200} />
        <div className="field">
          <label htmlFor={statusId}>Status</label>
          <select
            id={statusId}
            value={status}
            onChange={(event) => {
              setStatus(event.target.value as WorkspaceStatusFilter | '');
              pager.reset();
            }}
          >
            {STATUS_CHOICES.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ProblemAlert error={list.error} />
      {list.isPending ? (
        <p className="loading" role="status">
          Loading workspaces…
        </p>
      ) : (
        <>
          <p role="status" className="muted small">
            {items.length === 0
              ? filtered
                ? 'No workspace matches these filters.'
                : 'No workspaces yet.'
              : `${items.length} workspace${items.length === 1 ? '' : 's'} on this page${filtered ? ' matching the filters' : ''}.`}
          </p>
          {items.length > 0 && (
            <table aria-label="Workspaces">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Allowed origins</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {items.map((workspace) => (
                  <tr key={workspace.id}>
                    <td>
                      <Link to={workspace.id}>{workspace.name}</Link>
                    </td>
                    <td>
                      <span className={`badge status-${workspace.status}`}>{workspace.status}</span>
                    </td>
                    <td>{workspace.plan}</td>
                    <td>
                      {workspace.allowedOrigins.length === 0 ? <span className="muted">none</span> : workspace.allowedOrigins.join(', ')}
                    </td>
                    <td>
                      <Timestamp value={workspace.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager pager={pager} nextCursor={list.data?.nextCursor} />
        </>
      )}
      {creating && <CreateWorkspaceDialog onClose={() => setCreating(false)} />}
    </>
  );
}
