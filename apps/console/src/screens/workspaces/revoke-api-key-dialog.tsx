import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { Dialog } from '../../ui/dialog';
import { ProblemAlert } from '../../ui/problem-alert';
import { keyPrefix } from './api-key-scopes';
import { workspaceQueries, type ApiKey, type Workspace } from './workspace-data';

/** Revoking is immediate and final: the admin confirms which key. */
export function RevokeApiKeyDialog({
  workspace,
  apiKey,
  onClose,
  onRevoked,
}: {
  workspace: Workspace;
  apiKey: ApiKey;
  onClose: () => void;
  onRevoked: () => void;
}) {
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const revoke = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(
        await api.DELETE('/v1/admin/workspaces/{id}/api-keys/{keyId}', { params: { path: { id: workspace.id, keyId: apiKey.id } } }),
      );
      await queryClient.invalidateQueries({ queryKey: workspaceQueries.apiKeysOf(workspace.id) });
      onRevoked();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Revoke ${keyPrefix(apiKey)}?`} onClose={onClose}>
      <p>
        “{apiKey.name}” ({apiKey.environment}) is refused from the next request on, on every instance. A revoked key cannot be brought back:
        its users need a new one.
      </p>
      <ProblemAlert error={error} />
      <div className="actions">
        <button type="button" className="danger" onClick={() => void revoke()} disabled={busy}>
          Revoke key
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
