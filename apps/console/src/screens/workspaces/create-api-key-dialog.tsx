import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import type { AdminRole } from '../../session/session';
import { Dialog } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';
import { grantableBy, SCOPES, type Scope } from './api-key-scopes';
import { NewKeyShownOnce } from './new-key-shown-once';
import { workspaceQueries, type CreatedApiKey, type Workspace } from './workspace-data';

/**
 * A new key: name, environment, the scopes it needs (those the admin's role may not grant are
 * shown but disabled: the API would refuse them), an optional expiry. Then the key itself,
 * once: it lives in this dialog's state only and is gone when the dialog closes.
 */
export function CreateApiKeyDialog({ workspace, role, onClose }: { workspace: Workspace; role: AdminRole; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [environment, setEnvironment] = useState<'live' | 'test'>('test');
  const [scopes, setScopes] = useState<ReadonlySet<Scope>>(new Set());
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey>();
  const fields = error instanceof ApiError ? error.fieldErrors() : {};

  const toggle = (scope: Scope, on: boolean): void =>
    setScopes((current) => {
      const next = new Set(current);
      if (on) next.add(scope);
      else next.delete(scope);
      return next;
    });

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const key = await unwrap(
        await api.POST('/v1/admin/workspaces/{id}/api-keys', {
          params: { path: { id: workspace.id } },
          body: {
            name: name.trim(),
            environment,
            // In the checklist's order, whatever order they were ticked in.
            scopes: SCOPES.map((entry) => entry.scope).filter((scope) => scopes.has(scope)),
            ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}),
          },
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
    return (
      <Dialog title="Your new API key" onClose={onClose}>
        <NewKeyShownOnce created={created} onDone={onClose} />
      </Dialog>
    );
  }

  return (
    <Dialog title="Create an API key" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <Field
          label="Name"
          value={name}
          onChange={setName}
          required
          maxLength={200}
          autoComplete="off"
          autoFocus
          hint="What uses it, for the people who read the audit log later: “settlement worker”."
          errors={fields.name}
        />
        <fieldset>
          <legend>Environment</legend>
          {(['test', 'live'] as const).map((value) => (
            <label key={value}>
              <input type="radio" name="environment" value={value} checked={environment === value} onChange={() => setEnvironment(value)} />
              {value === 'live' ? 'Live (rf_live_…)' : 'Test (rf_test_…)'}
            </label>
          ))}
        </fieldset>
        <fieldset aria-describedby="scopes-hint">
          <legend>Scopes</legend>
          <p id="scopes-hint" className="hint small">
            At least one; a key holds only what its work needs.
            {role !== 'owner' && ' Scopes marked “owner only” are granted by an owner.'}
          </p>
          <ul className="checklist">
            {SCOPES.map(({ scope, meaning }) => {
              const allowed = grantableBy(role, scope);
              return (
                <li key={scope}>
                  <label>
                    <input
                      type="checkbox"
                      checked={scopes.has(scope)}
                      disabled={!allowed}
                      onChange={(event) => toggle(scope, event.target.checked)}
                    />
                    <code>{scope}</code>
                    {!allowed && <span className="badge">owner only</span>}
                  </label>{' '}
                  <span className="muted small">{meaning}</span>
                </li>
              );
            })}
          </ul>
          {fields.scopes && <div className="field-error">{fields.scopes.join('; ')}</div>}
        </fieldset>
        <Field
          label="Expires (optional)"
          type="datetime-local"
          value={expires}
          onChange={setExpires}
          hint="In your browser’s time zone. Empty: the key works until it is revoked or rotated."
          errors={fields.expiresAt}
        />
        <ProblemAlert error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || scopes.size === 0}>
            Create key
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
