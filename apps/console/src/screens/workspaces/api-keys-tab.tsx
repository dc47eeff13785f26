import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useMe } from '../../session/use-session';
import { Pager, usePager } from '../../ui/pager';
import { ProblemAlert } from '../../ui/problem-alert';
import { Timestamp } from '../../ui/timestamp';
import { keyPrefix } from './api-key-scopes';
import { CreateApiKeyDialog } from './create-api-key-dialog';
import { RevokeApiKeyDialog } from './revoke-api-key-dialog';
import { RotateApiKeyDialog } from './rotate-api-key-dialog';
import { canManageWorkspaces, useWorkspace, workspaceQueries, type ApiKey, type Workspace } from './workspace-data';

/** A workspace's API keys (owners and admins: the API answers no one else). */
export function ApiKeysTab() {
  const workspace = useWorkspace();
  const me = useMe();
  if (!canManageWorkspaces(me)) {
    return (
      <p role="status" className="alert alert-info">
        API keys are managed by owners and admins; your role does not read them.
      </p>
    );
  }
  return <ApiKeysOfWorkspace workspace={workspace} />;
}

type KeyState = 'active' | 'rotated' | 'expired' | 'revoked';

/** A rotated key still works until its grace period ends, but is not rotated again: its successor is. */
function stateOf(key: ApiKey, now: number): KeyState {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) return 'expired';
  if (key.replacedBy) return 'rotated';
  return 'active';
}

/**
 * Both environments' keys, newest first, a page at a time: prefix, scopes, last use, expiry
 * and state; create (shown once), rotate with a grace period (the new key shown once) and
 * revoke the ones still working.
 */
function ApiKeysOfWorkspace({ workspace }: { workspace: Workspace }) {
  const me = useMe();
  const pager = usePager();
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'rotate' | 'revoke'; key: ApiKey }>();
  const [notice, setNotice] = useState<string>();
  const keys = useQuery({
    queryKey: workspaceQueries.apiKeys(workspace.id, pager.cursor),
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/admin/workspaces/{id}/api-keys', {
          params: { path: { id: workspace.id }, query: pager.cursor ? { cursor: pager.cursor } : {} },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const now = Date.now();
  const items = keys.data?.items ?? [];

  return (
    <section aria-labelledby="api-keys-heading">
      <h2 id="api-keys-heading">API keys</h2>
      {workspace.status !== 'active' && (
        <p className="warning">This workspace is {workspace.status}: none of its keys is accepted until it is reactivated.</p>
      )}
      {notice && (
        <p role="status" className="alert alert-info">
          {notice}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="primary"
          onClick={() => {
            setNotice(undefined);
            setDialog({ kind: 'create' });
          }}
        >
          Create API key
        </button>
      </div>
      <ProblemAlert error={keys.error} />
      {keys.isPending ? (
        <p className="loading" role="status">
          Loading the keys…
        </p>
      ) : items.length === 0 ? (
        <p className="muted">No API keys yet.</p>
      ) : (
        <table aria-label="API keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Environment</th>
              <th scope="col">Scopes</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((key) => {
              const state = stateOf(key, now);
              return (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{keyPrefix(key)}</code>
                  </td>
                  <td>{key.environment}</td>
                  <td>{key.scopes.length === 0 ? <em>every scope (legacy wildcard)</em> : key.scopes.join(', ')}</td>
                  <td>
                    <Timestamp value={key.lastUsedAt} />
                  </td>
                  <td>
                    <Timestamp value={key.expiresAt} />
                  </td>
                  <td>
                    <span className={`badge ${state === 'active' || state === 'rotated' ? 'status-active' : 'status-revoked'}`}>
                      {state}
                    </span>
                    {state === 'rotated' && (
                      <div className="small muted">
                        replaced by <code>{key.replacedBy}</code>; works until its expiry
                      </div>
                    )}
                  </td>
                  <td>
                    {(state === 'active' || state === 'rotated') && (
                      <div className="actions">
                        {state === 'active' && (
                          <button
                            type="button"
                            aria-label={`Rotate ${keyPrefix(key)}`}
                            onClick={() => {
                              setNotice(undefined);
                              setDialog({ kind: 'rotate', key });
                            }}
                          >
                            Rotate
                          </button>
                        )}
                        <button
                          type="button"
                          aria-label={`Revoke ${keyPrefix(key)}`}
                          onClick={() => {
                            setNotice(undefined);
                            setDialog({ kind: 'revoke', key });
                          }}
                        >
                          Revoke
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager pager={pager} nextCursor={keys.data?.nextCursor} />
      {dialog?.kind === 'create' && <CreateApiKeyDialog workspace={workspace} role={me.role} onClose={() => setDialog(undefined)} />}
      {dialog?.kind === 'rotate' && <RotateApiKeyDialog workspace={workspace} apiKey={dialog.key} onClose={() => setDialog(undefined)} />}
      {dialog?.kind === 'revoke' && (
        <RevokeApiKeyDialog
          workspace={workspace}
          apiKey={dialog.key}
          onClose={() => setDialog(undefined)}
          onRevoked={() => {
            setDialog(undefined);
            setNotice(`${keyPrefix(dialog.key)} is revoked: it is refused from the next request on.`);
          }}
        />
      )}
    </section>
  );
}
