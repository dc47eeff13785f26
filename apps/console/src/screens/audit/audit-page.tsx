import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { hasRole, useMe } from '../../session/use-session';
import { AuditEventsList } from './audit-events-list';
import { AuditExport } from './audit-export';
import { filterFromSearch, searchFromFilter, type AuditFilter } from './audit-filter';
import { AuditFilterForm } from './audit-filter-form';
import { ChainStatus } from './chain-status';

/**
 * The audit log (auditors and owners): the hash chain's state, the aggregated view of every
 * workspace with all of the API's filters kept in the address, a row's before/after diff, and
 * the export of the filtered rows. Other roles get a page saying so, not an error.
 */
export function AuditPage() {
  const me = useMe();
  if (!hasRole(me, 'auditor', 'owner')) return <AuditRefused role={me.role} />;
  return <AuditLog />;
}

function AuditLog() {
  const [search, setSearch] = useSearchParams();
  const filter = useMemo(() => filterFromSearch(search), [search]);
  const filterKey = searchFromFilter(filter).toString();
  const apply = (next: AuditFilter): void => setSearch(searchFromFilter(next));
  // A row's "only this …" keeps the rows per page, replaces the rest.
  const narrow = (next: AuditFilter): void => apply({ ...next, limit: filter.limit });

  const actions = useQuery({
    queryKey: ['audit', 'actions'],
    queryFn: async () => unwrap(await api.GET('/v1/audit/actions')),
    staleTime: Infinity,
  });
  // Names for the workspace filter's suggestions and the rows (auditors may list workspaces); ids alone without them.
  const workspaces = useQuery({
    queryKey: ['audit', 'workspace-names'],
    queryFn: async () => unwrap(await api.GET('/v1/admin/workspaces', { params: { query: { limit: 200 } } })),
    staleTime: 60_000,
  });
  const workspaceNames = useMemo(
    () => new Map((workspaces.data?.items ?? []).map((workspace) => [workspace.id, workspace.name])),
    [workspaces.data],
  );
  const descriptions = useMemo(() => new Map((actions.data ?? []).map((entry) => [entry.action, entry.description])), [actions.data]);

  return (
    <>
      <h1>Audit log</h1>
      <ChainStatus />
      <AuditFilterForm
        key={`filters?${filterKey}`}
        applied={filter}
        actions={actions.data}
        workspaces={workspaces.data?.items}
        onApply={apply}
      />
      <AuditExport filter={filter} />
      <AuditEventsList
        key={`events?${filterKey}`}
        filter={filter}
        workspaceNames={workspaceNames}
        descriptions={descriptions}
        onNarrow={narrow}
      />
    </>
  );
}

function AuditRefused({ role }: { role: string }) {
  return (
    <>
      <h1>Audit log</h1>
      <div className="alert alert-info" role="status">
        <p>
          <strong>Your role cannot read the audit log.</strong> You are signed in as an <span className="badge">{role}</span>; the audit log
          is open to auditors and owners.
        </p>
        <p>If your work needs it, ask an owner to change your role.</p>
      </div>
      <p>
        <Link to="/workspaces">Go to the workspaces</Link>
      </p>
    </>
  );
}
