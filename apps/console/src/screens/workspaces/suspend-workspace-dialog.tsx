import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { Dialog } from '../../ui/dialog';
import { ProblemAlert } from '../../ui/problem-alert';
import type { Workspace } from './workspace-data';

/** Suspending stops every key of the workspace at once, so the admin says so first. */
export function SuspendWorkspaceDialog({
  workspace,
  onClose,
  onSuspended,
}: {
  workspace: Workspace;
  onClose: () => void;
  onSuspended: (next: Workspace) => Promise<void>;
}) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const suspend = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const next = await unwrap(await api.POST('/v1/admin/workspaces/{id}/suspend', { params: { path: { id: workspace.id } } }));
      await onSuspended(next);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Suspend “${workspace.name}”?`} onClose={onClose}>
      <p>
        Every API key of this workspace is refused from the next request on, and its webhook endpoints hear <code>workspace.suspended</code>
        . Reactivating it lets the same keys work again.
      </p>
      <ProblemAlert error={error} />
      <div className="actions">
        <button type="button" className="danger" onClick={() => void suspend()} disabled={busy}>
          Suspend workspace
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
