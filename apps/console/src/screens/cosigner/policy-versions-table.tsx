import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ProblemAlert } from '../../ui/problem-alert';
import { Timestamp } from '../../ui/timestamp';
import type { Environment } from './environment-select';

const STATE_CLASS: Record<string, string> = { active: 'ok', draft: '', retired: 'muted', discarded: 'muted' };

/**
 * Every version of the policy, newest first, immutable: a version's document can be read, and
 * loaded into the editor to become the next draft (how an earlier policy is brought back).
 */
export function PolicyVersionsTable({
  workspaceId,
  environment,
  onEdit,
}: {
  workspaceId: string;
  environment: Environment;
  onEdit: (version: number, document: unknown) => void;
}) {
  const [open, setOpen] = useState<number>();
  const versions = useQuery({
    queryKey: ['workspaces', workspaceId, environment, 'policy', 'versions'],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/admin/workspaces/{id}/policies/versions', { params: { path: { id: workspaceId }, query: { environment } } }),
      ),
  });
  const detail = useQuery({
    queryKey: ['workspaces', workspaceId, environment, 'policy', 'versions', open],
    enabled: open !== undefined,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/admin/workspaces/{id}/policies/versions/{version}', {
          params: { path: { id: workspaceId, version: open! }, query: { environment } },
        }),
      ),
  });

  if (versions.isPending) return <p className="loading">Loading the versions…</p>;
  if (versions.isError) return <ProblemAlert error={versions.error} />;
  const rows = [...versions.data].sort((a, b) => b.version - a.version);
  if (rows.length === 0) return <p className="muted">No version yet.</p>;
  return (
    <>
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">State</th>
            <th scope="col">Rules</th>
            <th scope="col">Note</th>
            <th scope="col">Saved</th>
            <th scope="col">Activated</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.version}>
              <td>{row.version}</td>
              <td>
                <span className={`badge ${STATE_CLASS[row.state] ?? ''}`}>{row.state}</span>
              </td>
              <td>{row.rules}</td>
              <td>{row.note ?? <span className="muted">—</span>}</td>
              <td>
                <Timestamp value={row.createdAt} />
                <div className="muted small">{row.createdBy}</div>
              </td>
              <td>
                {row.activatedAt ? <Timestamp value={row.activatedAt} /> : '—'}
                {row.activatedBy && <div className="muted small">{row.activatedBy}</div>}
              </td>
              <td>
                <button
                  type="button"
                  aria-expanded={open === row.version}
                  onClick={() => setOpen(open === row.version ? undefined : row.version)}
                  aria-label={`Show version ${row.version}`}
                >
                  Show
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open !== undefined && (
        <section className="card" aria-label={`Version ${open}`}>
          <h4>Version {open}</h4>
          {detail.isPending ? (
            <p className="loading">Loading…</p>
          ) : detail.isError ? (
            <ProblemAlert error={detail.error} />
          ) : (
            <>
              <p className="muted small">
                SHA-256 <code>{detail.data.sha256}</code>
              </p>
              <pre className="document">{JSON.stringify(detail.data.document, null, 2)}</pre>
              <div className="actions">
                <button type="button" onClick={() => onEdit(detail.data.version, detail.data.document)}>
                  Edit as the next draft
                </button>
              </div>
            </>
          )}
        </section>
      )}
    </>
  );
}
