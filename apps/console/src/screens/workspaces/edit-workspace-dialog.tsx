import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import type { components } from '../../api/ringfence-api';
import { Dialog } from '../../ui/dialog';
import { ProblemAlert } from '../../ui/problem-alert';
import { WorkspaceFields, type WorkspaceDraft } from './workspace-fields';
import { originsOf, workspaceQueries, type Workspace } from './workspace-data';

/** A workspace's name, plan and allowed origins; only what the admin changed is sent. */
export function EditWorkspaceDialog({ workspace, onClose, onSaved }: { workspace: Workspace; onClose: () => void; onSaved: () => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<WorkspaceDraft>({
    name: workspace.name,
    plan: workspace.plan,
    origins: workspace.allowedOrigins.join('\n'),
  });
  const { name, plan, origins } = draft;
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const fields = error instanceof ApiError ? error.fieldErrors() : {};

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const change: components['schemas']['UpdateWorkspace'] = {};
    if (name.trim() !== workspace.name) change.name = name.trim();
    if (plan.trim() !== workspace.plan) change.plan = plan.trim();
    const allowedOrigins = originsOf(origins);
    if (allowedOrigins.join('\n') !== workspace.allowedOrigins.join('\n')) change.allowedOrigins = allowedOrigins;
    if (Object.keys(change).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const next = await unwrap(await api.PATCH('/v1/admin/workspaces/{id}', { params: { path: { id: workspace.id } }, body: change }));
      queryClient.setQueryData(workspaceQueries.one(next.id), next);
      await queryClient.invalidateQueries({ queryKey: workspaceQueries.lists });
      onSaved();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <Dialog title="Edit the workspace" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <WorkspaceFields draft={draft} onChange={setDraft} fields={fields} />
        <ProblemAlert error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save changes
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
