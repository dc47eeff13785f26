import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import { Dialog } from '../../ui/dialog';
import { ProblemAlert } from '../../ui/problem-alert';
import { WorkspaceFields, type WorkspaceDraft } from './workspace-fields';
import { newIdempotencyKey, originsOf, workspaceQueries } from './workspace-data';

/**
 * A new workspace: name, plan, allowed origins. One Idempotency-Key per dialog, so a retried
 * submit (a network hiccup, a double click) makes one workspace. Opens the new workspace's page.
 */
export function CreateWorkspaceDialog({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [idempotencyKey] = useState(newIdempotencyKey);
  const [draft, setDraft] = useState<WorkspaceDraft>({ name: '', plan: 'standard', origins: '' });
  const { name, plan, origins } = draft;
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const fields = error instanceof ApiError ? error.fieldErrors() : {};

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const created = await unwrap(
        await api.POST('/v1/admin/workspaces', {
          body: { name: name.trim(), plan: plan.trim(), allowedOrigins: originsOf(origins) },
          params: { header: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {} },
        }),
      );
      await queryClient.invalidateQueries({ queryKey: workspaceQueries.all });
      queryClient.setQueryData(workspaceQueries.one(created.id), created);
      await navigate(`/workspaces/${created.id}`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <Dialog title="Create a workspace" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <WorkspaceFields draft={draft} onChange={setDraft} fields={fields} autoFocus />
        <ProblemAlert error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Create workspace
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
