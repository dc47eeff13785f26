import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import { Dialog } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';
import { OriginsField, originErrors } from './origins-field';
import { newIdempotencyKey, originsOf, workspaceQueries } from './workspace-data';

/**
 * A new workspace: name, plan, allowed origins. One Idempotency-Key per dialog, so a retried
 * submit (a network hiccup, a double click) makes one workspace. Opens the new workspace's page.
 */
export function CreateWorkspaceDialog({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [idempotencyKey] = useState(newIdempotencyKey);
  const [name, setName] = useState('');
  const [plan, setPlan] = useState('standard');
  const [origins, setOrigins] = useState('');
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
        <Field label="Name" value={name} onChange={setName} required maxLength={200} autoComplete="off" autoFocus errors={fields.name} />
        <Field
          label="Plan"
          value={plan}
          onChange={setPlan}
          required
          autoComplete="off"
          hint="One of the plans configured on the server (RATE_LIMIT_PLANS); it sets the workspace’s request limits."
          errors={fields.plan}
        />
        <OriginsField value={origins} onChange={setOrigins} errors={originErrors(fields)} />
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
