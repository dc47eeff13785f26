import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { Dialog } from '../../ui/dialog';
import { ProblemAlert } from '../../ui/problem-alert';
import { keyPrefix } from './api-key-scopes';
import { NewKeyShownOnce } from './new-key-shown-once';
import { workspaceQueries, type ApiKey, type CreatedApiKey, type Workspace } from './workspace-data';

/** The grace periods offered (the API takes 0 to 7 days, in seconds). */
const GRACE_PERIODS: readonly { seconds: number; label: string }[] = [
  { seconds: 0, label: 'None: refuse the old key at once' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 3 * 86_400, label: '3 days' },
  { seconds: 7 * 86_400, label: '7 days' },
];

/**
 * A new key with the old one's name, scopes and environment; the old one keeps working for the
 * grace period the admin picks (never past its own expiry), so its users can move over. The
 * new key is shown once.
 */
export function RotateApiKeyDialog({ workspace, apiKey, onClose }: { workspace: Workspace; apiKey: ApiKey; onClose: () => void }) {
  const queryClient = useQueryClient();
  const graceId = useId();
  const [grace, setGrace] = useState(86_400);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey>();

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const key = await unwrap(
        await api.POST('/v1/admin/workspaces/{id}/api-keys/{keyId}/rotate', {
          params: { path: { id: workspace.id, keyId: apiKey.id } },
          body: { gracePeriodSeconds: grace },
        }),
      );
      setCreated(key);
      await queryClient.invalidateQueries({ queryKey: workspaceQueries.apiKeysOf(workspace.id) });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    const chosen = GRACE_PERIODS.find((period) => period.seconds === grace);
    return (
      <Dialog title="The rotated key" onClose={onClose}>
        <NewKeyShownOnce
          created={created}
          onDone={onClose}
          note={
            grace === 0
              ? `${keyPrefix(apiKey)} is refused from now on.`
              : `${keyPrefix(apiKey)} keeps working for ${chosen?.label ?? `${grace} seconds`} (not past its own expiry), then is refused.`
          }
        />
      </Dialog>
    );
  }

  return (
    <Dialog title={`Rotate ${keyPrefix(apiKey)}`} onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <p>
          A new key replaces “{apiKey.name}” with the same scopes ({apiKey.scopes.join(', ')}) and environment. Give the old one a grace
          period while its users move to the new key.
        </p>
        <div className="field">
          <label htmlFor={graceId}>Grace period</label>
          <select id={graceId} value={grace} onChange={(event) => setGrace(Number(event.target.value))}>
            {GRACE_PERIODS.map((period) => (
              <option key={period.seconds} value={period.seconds}>
                {period.label}
              </option>
            ))}
          </select>
        </div>
        <ProblemAlert error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Rotate key
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
