import { useState } from 'react';
import { useMe } from '../../session/use-session';
import { EditWorkspaceDialog } from './edit-workspace-dialog';
import { Timestamp } from '../../ui/timestamp';
import { canManageWorkspaces, useWorkspace } from './workspace-data';

/** The workspace's facts, and for owners and admins its edit (name, plan, allowed origins). */
export function WorkspaceOverviewTab() {
  const workspace = useWorkspace();
  const me = useMe();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  return (
    <section className="card" aria-labelledby="overview-heading">
      <h2 id="overview-heading">Overview</h2>
      <dl className="facts">
        <dt>Id</dt>
        <dd>
          <code>{workspace.id}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`badge status-${workspace.status}`}>{workspace.status}</span>
        </dd>
        <dt>Plan</dt>
        <dd>{workspace.plan}</dd>
        <dt>Allowed origins</dt>
        <dd>
          {workspace.allowedOrigins.length === 0 ? (
            <span className="muted">None: no browser origin may call with this workspace’s keys.</span>
          ) : (
            <ul aria-label="Allowed origins">
              {workspace.allowedOrigins.map((origin) => (
                <li key={origin}>
                  <code>{origin}</code>
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Created</dt>
        <dd>
          <Timestamp value={workspace.createdAt} />
        </dd>
      </dl>
      {saved && (
        <p role="status" className="alert alert-info">
          Saved. The workspace’s keys carry the new plan and origins from their next request on.
        </p>
      )}
      {canManageWorkspaces(me) && (
        <div className="actions">
          <button
            type="button"
            onClick={() => {
              setSaved(false);
              setEditing(true);
            }}
          >
            Edit workspace
          </button>
        </div>
      )}
      {editing && (
        <EditWorkspaceDialog
          workspace={workspace}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            setSaved(true);
          }}
        />
      )}
    </section>
  );
}
