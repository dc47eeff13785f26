import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import type { components } from '../../api/ringfence-api';
import { Field } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';
import type { Environment } from '../cosigner/environment-select';

type CreatedEndpoint = components['schemas']['CreatedWebhookEndpoint'];
/** Every event type, present and future. */
const ALL_EVENTS = '*';

/**
 * A new endpoint: its URL (the API refuses one that is not https, or that resolves to a private
 * address), the events it takes from the catalogue (`GET /v1/webhooks/event-types`), or all of
 * them, and a description. The signing secret comes back once, with the endpoint.
 */
export function WebhookEndpointForm({
  workspaceId,
  environment,
  onCreated,
  onCancel,
}: {
  workspaceId: string;
  environment: Environment;
  onCreated: (endpoint: CreatedEndpoint) => void;
  onCancel: () => void;
}) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [all, setAll] = useState(true);
  const [types, setTypes] = useState<ReadonlySet<string>>(new Set());
  const catalogue = useQuery({
    queryKey: ['webhooks', 'event-types'],
    staleTime: Infinity,
    queryFn: async () => unwrap(await api.GET('/v1/webhooks/event-types')),
  });
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/admin/workspaces/{id}/webhooks/endpoints', {
          params: { path: { id: workspaceId }, query: { environment } },
          body: {
            url: url.trim(),
            eventTypes: all ? [ALL_EVENTS] : [...types],
            ...(description.trim() ? { description: description.trim() } : {}),
          },
        }),
      ),
    onSuccess: onCreated,
  });
  const errors = create.error instanceof ApiError ? create.error.fieldErrors() : {};
  const toggle = (type: string, on: boolean) =>
    setTypes((current) => {
      const next = new Set(current);
      if (on) next.add(type);
      else next.delete(type);
      return next;
    });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    create.mutate();
  };

  return (
    <form onSubmit={submit} aria-label="New webhook endpoint">
      <Field
        label="URL"
        type="url"
        value={url}
        onChange={setUrl}
        required
        placeholder="https://hooks.example.com/ringfence"
        hint="https, on a public address: Ringfence refuses to call private networks"
        errors={errors['url']}
      />
      <Field label="Description" value={description} onChange={setDescription} maxLength={500} errors={errors['description']} />
      <fieldset>
        <legend>Events</legend>
        <label>
          <input type="checkbox" checked={all} onChange={(event) => setAll(event.target.checked)} /> Every event, including types added
          later
        </label>
        {catalogue.isError ? (
          <ProblemAlert error={catalogue.error} />
        ) : (
          <div className="event-types">
            {catalogue.data?.map((entry) => (
              <label key={entry.type}>
                <input
                  type="checkbox"
                  checked={all || types.has(entry.type)}
                  disabled={all}
                  onChange={(event) => toggle(entry.type, event.target.checked)}
                />{' '}
                <span>
                  <code>{entry.type}</code> <span className="muted small">{entry.description}</span>
                </span>
              </label>
            ))}
          </div>
        )}
        {errors['eventTypes'] && <p className="field-error">{errors['eventTypes'].join('; ')}</p>}
      </fieldset>
      <ProblemAlert error={create.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={create.isPending || (!all && types.size === 0)}>
          Create endpoint
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
