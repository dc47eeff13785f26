import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { components, operations } from '../../api/ringfence-api';
import { Pager, usePager } from '../../ui/pager';
import { ProblemAlert } from '../../ui/problem-alert';
import { Timestamp } from '../../ui/timestamp';
import type { Environment } from '../cosigner/environment-select';
import { Select } from '../../ui/field';

type Delivery = components['schemas']['WebhookDelivery'];
type Endpoint = components['schemas']['WebhookEndpoint'];
type StatusFilter = NonNullable<operations['workspaces.webhooks.deliveries.list']['parameters']['query']['status']> | 'any';

const STATUSES: readonly { value: StatusFilter; label: string }[] = [
  { value: 'any', label: 'Any status' },
  { value: 'pending', label: 'Pending (being attempted)' },
  { value: 'done', label: 'Delivered' },
  { value: 'failed', label: 'Failed' },
];
const STATUS_CLASS: Record<Delivery['status'], string> = { pending: '', done: 'ok', failed: 'bad' };
/** While a delivery of the page is still being attempted, the page is read again this often. */
const PENDING_REFRESH_MS = 2000;

/**
 * The workspace's deliveries in one environment, newest first: each with its status and its
 * attempts (status code, latency, error class); a finished one (delivered or failed) can be
 * sent again, as a new delivery of the same message.
 */
export function WebhookDeliveries({
  workspaceId,
  environment,
  endpoints,
}: {
  workspaceId: string;
  environment: Environment;
  endpoints: readonly Endpoint[];
}) {
  const queries = useQueryClient();
  const pager = usePager();
  const [endpointId, setEndpointId] = useState('any');
  const [status, setStatus] = useState<StatusFilter>('any');
  const [replayed, setReplayed] = useState<string>();
  const deliveriesKey = ['workspaces', workspaceId, environment, 'webhooks', 'deliveries'];
  const list = useQuery({
    queryKey: [...deliveriesKey, endpointId, status, pager.cursor],
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some((delivery) => delivery.status === 'pending') ? PENDING_REFRESH_MS : false),
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/admin/workspaces/{id}/webhooks/deliveries', {
          params: {
            path: { id: workspaceId },
            query: {
              environment,
              ...(endpointId === 'any' ? {} : { endpointId }),
              ...(status === 'any' ? {} : { status }),
              ...(pager.cursor ? { cursor: pager.cursor } : {}),
            },
          },
        }),
      ),
  });
  const replay = useMutation({
    mutationFn: async (deliveryId: string) =>
      unwrap(
        await api.POST('/v1/admin/workspaces/{id}/webhooks/deliveries/{deliveryId}/replay', {
          params: { path: { id: workspaceId, deliveryId }, query: { environment } },
        }),
      ),
    onSuccess: async (delivery) => {
      setReplayed(`Sent again as a new delivery of ${delivery.eventType}.`);
      pager.reset();
      await queries.invalidateQueries({ queryKey: deliveriesKey });
    },
  });
  const urlOf = (id: string) => endpoints.find((endpoint) => endpoint.id === id)?.url ?? 'a deleted endpoint';

  return (
    <>
      <div className="toolbar">
        <Select
          label="Endpoint"
          value={endpointId}
          options={[
            { value: 'any', label: 'Every endpoint' },
            ...endpoints.map((endpoint) => ({ value: endpoint.id, label: endpoint.url })),
          ]}
          onChange={(next) => {
            setEndpointId(next);
            pager.reset();
          }}
        />
        <Select
          label="Delivery status"
          value={status}
          options={STATUSES}
          onChange={(next) => {
            setStatus(next);
            pager.reset();
          }}
        />
        <button type="button" onClick={() => void list.refetch()} disabled={list.isFetching}>
          Refresh deliveries
        </button>
      </div>
      <ProblemAlert error={replay.error} />
      <p role="status">{replayed}</p>
      {list.isPending ? (
        <p className="loading">Loading the deliveries…</p>
      ) : list.isError ? (
        <ProblemAlert error={list.error} />
      ) : list.data.items.length === 0 ? (
        <p className="muted">No delivery{status === 'any' && endpointId === 'any' ? ' yet' : ' matches'}.</p>
      ) : (
        <>
          <table>
            <caption className="visually-hidden">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((delivery) => (
                <tr key={delivery.id}>
                  <td>
                    <Timestamp value={delivery.createdAt} />
                  </td>
                  <td>
                    <code>{delivery.eventType}</code>
                    {delivery.replayOf && <div className="muted small">a replay</div>}
                  </td>
                  <td className="wrap">{urlOf(delivery.endpointId)}</td>
                  <td>
                    <span className={`badge ${STATUS_CLASS[delivery.status]}`} data-testid="delivery-status">
                      {delivery.status}
                    </span>
                    {delivery.status === 'pending' && delivery.nextAttemptAt && (
                      <div className="muted small">
                        next <Timestamp value={delivery.nextAttemptAt} />
                      </div>
                    )}
                    {delivery.lastError && <div className="bad small">{delivery.lastError}</div>}
                  </td>
                  <td className="attempts">
                    <Attempts delivery={delivery} />
                  </td>
                  <td>
                    {delivery.status !== 'pending' && (
                      <button
                        type="button"
                        onClick={() => {
                          setReplayed(undefined);
                          replay.mutate(delivery.id);
                        }}
                        disabled={replay.isPending}
                        aria-label={`Replay the ${delivery.eventType} delivery ${delivery.id.slice(0, 8)}`}
                      >
                        Replay
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager pager={pager} nextCursor={list.data.nextCursor} />
        </>
      )}
    </>
  );
}

function Attempts({ delivery }: { delivery: Delivery }) {
  if (delivery.attemptLog.length === 0) return <span className="muted">none yet</span>;
  return (
    <details>
      <summary>
        {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
      </summary>
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Started</th>
            <th scope="col">Answer</th>
            <th scope="col">Latency</th>
          </tr>
        </thead>
        <tbody>
          {delivery.attemptLog.map((attempt) => (
            <tr key={attempt.attempt}>
              <td>{attempt.attempt}</td>
              <td>
                <Timestamp value={attempt.startedAt} />
              </td>
              <td>
                {attempt.statusCode === null ? <span className="muted">no answer</span> : attempt.statusCode}
                {attempt.errorClass && <div className="bad small">{attempt.errorClass}</div>}
              </td>
              <td>{attempt.latencyMs} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
