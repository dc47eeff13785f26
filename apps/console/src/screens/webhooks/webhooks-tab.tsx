import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/ringfence-api';
import { hasRole, useMe } from '../../session/use-session';
import { Dialog } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';
import { Timestamp } from '../../ui/timestamp';
import { ShownOnce } from '../../ui/shown-once';
import { TypedConfirmation } from '../../ui/typed-confirmation';
import '../cosigner/cosigner.css';
import { EnvironmentSelect, type Environment } from '../cosigner/environment-select';
import { WebhookDeliveries } from './webhook-deliveries';
import { WebhookEndpointForm } from './webhook-endpoint-form';

type Endpoint = components['schemas']['WebhookEndpoint'];

const DISABLED_BECAUSE: Record<NonNullable<Endpoint['disabledReason']>, string> = {
  manual: 'disabled by hand',
  gone: 'disabled: the endpoint answered 410 Gone',
  failing: 'disabled: failing for too long',
};

/**
 * A workspace's webhooks, per environment (owner and admin): the endpoints (created with a
 * signing secret shown once; enabled or disabled; their secret rotated, shown once again; a
 * test event sent; deleted) and the deliveries with their attempts, replayed when finished.
 */
export function WebhooksTab({ workspaceId }: { workspaceId: string }) {
  const me = useMe();
  const [environment, setEnvironment] = useState<Environment>('live');
  return (
    <section aria-labelledby="webhooks-heading">
      <div className="tab-head">
        <h2 id="webhooks-heading">Webhooks</h2>
        <EnvironmentSelect value={environment} onChange={setEnvironment} />
      </div>
      {hasRole(me, 'owner', 'admin') ? (
        <WebhooksScreen key={environment} workspaceId={workspaceId} environment={environment} />
      ) : (
        <p className="muted">Only owners and admins read and change a workspace’s webhooks.</p>
      )}
    </section>
  );
}

type Secret = { title: string; value: string };

function WebhooksScreen({ workspaceId, environment }: { workspaceId: string; environment: Environment }) {
  const queries = useQueryClient();
  const endpointsKey = ['workspaces', workspaceId, environment, 'webhooks', 'endpoints'];
  const deliveriesKey = ['workspaces', workspaceId, environment, 'webhooks', 'deliveries'];
  const [creating, setCreating] = useState(false);
  /** A secret the API has just shown, kept only while it is on screen. */
  const [secret, setSecret] = useState<Secret>();
  const [rotating, setRotating] = useState<Endpoint>();
  const [deleting, setDeleting] = useState<Endpoint>();
  const [notice, setNotice] = useState<string>();
  const endpoints = useQuery({
    queryKey: endpointsKey,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/admin/workspaces/{id}/webhooks/endpoints', { params: { path: { id: workspaceId }, query: { environment } } }),
      ),
  });
  const where = (endpointId: string) => ({ params: { path: { id: workspaceId, endpointId }, query: { environment } } });
  const refresh = async (): Promise<void> => {
    await queries.invalidateQueries({ queryKey: endpointsKey });
  };

  const setEnabled = useMutation({
    mutationFn: async ({ endpoint, enabled }: { endpoint: Endpoint; enabled: boolean }) =>
      unwrap(await api.PATCH('/v1/admin/workspaces/{id}/webhooks/endpoints/{endpointId}', { ...where(endpoint.id), body: { enabled } })),
    onSuccess: async (endpoint) => {
      setNotice(`${endpoint.url} is ${endpoint.enabled ? 'enabled: deliveries resume' : 'disabled: what arrives meanwhile fails'}.`);
      await refresh();
    },
  });
  const sendTest = useMutation({
    mutationFn: async (endpoint: Endpoint) =>
      unwrap(await api.POST('/v1/admin/workspaces/{id}/webhooks/endpoints/{endpointId}/test', where(endpoint.id))),
    onSuccess: async (_sent, endpoint) => {
      setNotice(`A webhook.test event is on its way to ${endpoint.url}: see it in the deliveries below.`);
      await queries.invalidateQueries({ queryKey: deliveriesKey });
    },
  });
  const actionError = setEnabled.error ?? sendTest.error;
  const act = (run: () => void) => {
    setNotice(undefined);
    setEnabled.reset();
    sendTest.reset();
    run();
  };

  return (
    <>
      <section className="card" aria-labelledby="endpoints-heading">
        <h3 id="endpoints-heading">Endpoints</h3>
        {secret && (
          <div className="card">
            <h4>{secret.title}</h4>
            <p>The receiver verifies each delivery’s signature with this secret (Standard Webhooks).</p>
            <ShownOnce label="Signing secret" value={secret.value} />
            <div className="actions">
              <button type="button" onClick={() => setSecret(undefined)}>
                I have saved the secret
              </button>
            </div>
          </div>
        )}
        <ProblemAlert error={actionError} />
        <p role="status">{notice}</p>
        {endpoints.isPending ? (
          <p className="loading">Loading the endpoints…</p>
        ) : endpoints.isError ? (
          <ProblemAlert error={endpoints.error} />
        ) : endpoints.data.length === 0 ? (
          <p className="muted">No endpoint in this environment: its events are not sent anywhere.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
                <th scope="col">Secret</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.map((endpoint) => (
                <tr key={endpoint.id}>
                  <td className="wrap">
                    {endpoint.url}
                    {endpoint.description && <div className="muted small">{endpoint.description}</div>}
                  </td>
                  <td>{endpoint.eventTypes.includes('*') ? 'every event' : endpoint.eventTypes.join(', ')}</td>
                  <td>
                    <span className={`badge ${endpoint.enabled ? 'ok' : 'bad'}`}>{endpoint.enabled ? 'enabled' : 'disabled'}</span>
                    {!endpoint.enabled && endpoint.disabledReason && (
                      <div className="muted small">{DISABLED_BECAUSE[endpoint.disabledReason]}</div>
                    )}
                    {endpoint.failingSince && (
                      <div className="bad small">
                        failing since <Timestamp value={endpoint.failingSince} />
                      </div>
                    )}
                    {endpoint.lastSuccessAt && (
                      <div className="muted small">
                        last delivered <Timestamp value={endpoint.lastSuccessAt} />
                      </div>
                    )}
                  </td>
                  <td>
                    version {endpoint.secretVersion}
                    {endpoint.previousSecretExpiresAt && (
                      <div className="muted small">
                        the previous one signs until <Timestamp value={endpoint.previousSecretExpiresAt} />
                      </div>
                    )}
                  </td>
                  <td>
                    <div className="actions">
                      <button
                        type="button"
                        disabled={!endpoint.enabled || sendTest.isPending}
                        onClick={() => act(() => sendTest.mutate(endpoint))}
                        aria-label={`Send a test to ${endpoint.url}`}
                      >
                        Send a test
                      </button>
                      <button
                        type="button"
                        disabled={setEnabled.isPending}
                        onClick={() => act(() => setEnabled.mutate({ endpoint, enabled: !endpoint.enabled }))}
                        aria-label={`${endpoint.enabled ? 'Disable' : 'Enable'} ${endpoint.url}`}
                      >
                        {endpoint.enabled ? 'Disable' : 'Enable'}
                      </button>
                      <button
                        type="button"
                        onClick={() => act(() => setRotating(endpoint))}
                        aria-label={`Rotate the secret of ${endpoint.url}`}
                      >
                        Rotate the secret
                      </button>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => act(() => setDeleting(endpoint))}
                        aria-label={`Delete ${endpoint.url}`}
                      >
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {creating ? (
          <section aria-labelledby="new-endpoint-heading">
            <h4 id="new-endpoint-heading">New endpoint</h4>
            <WebhookEndpointForm
              workspaceId={workspaceId}
              environment={environment}
              onCancel={() => setCreating(false)}
              onCreated={(created) => {
                setCreating(false);
                setSecret({ title: `Signing secret of ${created.url}`, value: created.secret });
                void refresh();
              }}
            />
          </section>
        ) : (
          <div className="actions">
            <button
              type="button"
              className="primary"
              onClick={() => {
                setSecret(undefined);
                setCreating(true);
              }}
            >
              New endpoint
            </button>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="deliveries-heading">
        <h3 id="deliveries-heading">Deliveries</h3>
        <WebhookDeliveries workspaceId={workspaceId} environment={environment} endpoints={endpoints.data ?? []} />
      </section>

      {rotating && (
        <RotateSecretDialog
          endpoint={rotating}
          rotate={async (graceHours) =>
            unwrap(
              await api.POST('/v1/admin/workspaces/{id}/webhooks/endpoints/{endpointId}/rotate-secret', {
                ...where(rotating.id),
                body: { graceHours },
              }),
            )
          }
          onRotated={(rotated) => {
            setRotating(undefined);
            setSecret({ title: `New signing secret of ${rotated.url} (version ${rotated.secretVersion})`, value: rotated.secret });
            void refresh();
          }}
          onClose={() => setRotating(undefined)}
        />
      )}
      {deleting && (
        <TypedConfirmation
          title="Delete this endpoint?"
          expected={deleting.url}
          action="Delete endpoint"
          consequence={`No event goes to ${deleting.url} any more, and its deliveries and their attempts are deleted with it.`}
          onConfirm={async () => {
            await unwrap(await api.DELETE('/v1/admin/workspaces/{id}/webhooks/endpoints/{endpointId}', where(deleting.id)));
            setDeleting(undefined);
            setNotice(`${deleting.url} is deleted.`);
            await refresh();
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}

function RotateSecretDialog({
  endpoint,
  rotate,
  onRotated,
  onClose,
}: {
  endpoint: Endpoint;
  rotate: (graceHours: number) => Promise<components['schemas']['RotatedWebhookSecret']>;
  onRotated: (rotated: components['schemas']['RotatedWebhookSecret']) => void;
  onClose: () => void;
}) {
  const [grace, setGrace] = useState('24');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onRotated(await rotate(Number(grace)));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Dialog title="Rotate the signing secret" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <p>
          A new secret signs every delivery to <strong>{endpoint.url}</strong> from now on. The current one keeps signing beside it for a
          grace period, while the receiver takes the new one.
        </p>
        <Field
          label="Grace period (hours)"
          type="number"
          min={0}
          max={168}
          value={grace}
          onChange={setGrace}
          hint="0 stops the current secret now; at most 168"
          required
        />
        <ProblemAlert error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Rotate
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
