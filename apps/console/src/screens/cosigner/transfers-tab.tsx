import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { components, operations } from '../../api/ringfence-api';
import { Pager, usePager } from '../../ui/pager';
import { ProblemAlert } from '../../ui/problem-alert';
import { Timestamp } from '../../ui/timestamp';
import './cosigner.css';
import { reasonWords } from './decision-words';
import { EnvironmentSelect, type Environment } from './environment-select';
import { Select } from '../../ui/field';

type Transfer = components['schemas']['Transfer'];
type TransferStatus = Transfer['status'];
type StatusFilter = NonNullable<operations['workspaces.transfers.list']['parameters']['query']['status']> | 'any';

const STATUSES: readonly { value: StatusFilter; label: string }[] = [
  { value: 'any', label: 'Any status' },
  { value: 'submitted', label: 'Submitted' },
  { value: 'pending', label: 'Pending at the provider' },
  { value: 'approved', label: 'Approved' },
  { value: 'rejected', label: 'Rejected' },
  { value: 'completed', label: 'Completed' },
  { value: 'failed', label: 'Failed' },
  { value: 'cancelled', label: 'Cancelled' },
];
const STATUS_CLASS: Record<TransferStatus, string> = {
  submitted: '',
  pending: '',
  approved: 'ok',
  completed: 'ok',
  rejected: 'bad',
  failed: 'bad',
  cancelled: 'muted',
};

/**
 * A workspace's transfers, per environment (owner, admin, auditor): newest first with their
 * status and the cosigner's verdict, filtered by status, page by page; one opened shows the
 * decision in full (verdict, policy version, matched rule, reason) and what was asked.
 */
export function TransfersTab({ workspaceId }: { workspaceId: string }) {
  const [environment, setEnvironment] = useState<Environment>('live');
  const [status, setStatus] = useState<StatusFilter>('any');
  const [selected, setSelected] = useState<string>();
  const pager = usePager();
  const list = useQuery({
    queryKey: ['workspaces', workspaceId, environment, 'transfers', status, pager.cursor],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/admin/workspaces/{id}/transfers', {
          params: {
            path: { id: workspaceId },
            query: { environment, ...(status === 'any' ? {} : { status }), ...(pager.cursor ? { cursor: pager.cursor } : {}) },
          },
        }),
      ),
  });
  const reset = (): void => {
    pager.reset();
    setSelected(undefined);
  };

  return (
    <section aria-labelledby="transfers-heading">
      <div className="tab-head">
        <h2 id="transfers-heading">Transfers</h2>
        <div className="toolbar">
          <EnvironmentSelect
            value={environment}
            onChange={(next) => {
              setEnvironment(next);
              reset();
            }}
          />
          <Select
            label="Status"
            value={status}
            options={STATUSES}
            onChange={(next) => {
              setStatus(next);
              reset();
            }}
          />
          <button type="button" onClick={() => void list.refetch()} disabled={list.isFetching}>
            Refresh
          </button>
        </div>
      </div>
      {list.isPending ? (
        <p className="loading">Loading the transfers…</p>
      ) : list.isError ? (
        <ProblemAlert error={list.error} />
      ) : list.data.items.length === 0 ? (
        <p className="muted">No transfer{status === 'any' ? '' : ` with this status`} in this environment.</p>
      ) : (
        <>
          <table>
            <caption className="visually-hidden">Transfers, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Amount</th>
                <th scope="col">Destination</th>
                <th scope="col">Status</th>
                <th scope="col">Decision</th>
                <th scope="col">
                  <span className="visually-hidden">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((transfer) => (
                <tr key={transfer.id} className={transfer.id === selected ? 'selected' : undefined}>
                  <td>
                    <Timestamp value={transfer.createdAt} />
                  </td>
                  <td>
                    {transfer.amount} {transfer.asset}
                  </td>
                  <td className="wrap">{destinationOf(transfer)}</td>
                  <td>
                    <span className={`badge ${STATUS_CLASS[transfer.status]}`}>{transfer.status}</span>
                  </td>
                  <td>
                    {transfer.decision ? (
                      <>
                        <span className={transfer.decision.action === 'APPROVE' ? 'ok' : 'bad'}>{transfer.decision.action}</span>
                        {transfer.decision.rule && <span className="muted"> · {transfer.decision.rule}</span>}
                      </>
                    ) : (
                      <span className="muted">not decided</span>
                    )}
                  </td>
                  <td>
                    <button
                      type="button"
                      aria-expanded={transfer.id === selected}
                      aria-label={`Details of the ${transfer.amount} ${transfer.asset} transfer ${transfer.id.slice(0, 8)}`}
                      onClick={() => setSelected(transfer.id === selected ? undefined : transfer.id)}
                    >
                      Details
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager pager={pager} nextCursor={list.data.nextCursor} />
        </>
      )}
      {selected && <TransferDetail workspaceId={workspaceId} environment={environment} transferId={selected} />}
    </section>
  );
}

function destinationOf(transfer: Transfer): string {
  const { destination } = transfer;
  return `${destination.address ?? destination.id ?? '—'}${destination.type && destination.type !== 'ONE_TIME_ADDRESS' ? ` (${destination.type})` : ''}`;
}

function TransferDetail({ workspaceId, environment, transferId }: { workspaceId: string; environment: Environment; transferId: string }) {
  const transfer = useQuery({
    queryKey: ['workspaces', workspaceId, environment, 'transfers', 'one', transferId],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/admin/workspaces/{id}/transfers/{transferId}', {
          params: { path: { id: workspaceId, transferId }, query: { environment } },
        }),
      ),
  });
  return (
    <section className="card" aria-labelledby="transfer-heading">
      <h3 id="transfer-heading">Transfer</h3>
      {transfer.isPending ? (
        <p className="loading">Loading the transfer…</p>
      ) : transfer.isError ? (
        <ProblemAlert error={transfer.error} />
      ) : (
        <div className="card-row">
          <div>
            <h4>Decision</h4>
            {transfer.data.decision ? (
              <dl className="facts">
                <dt>Verdict</dt>
                <dd>
                  <strong className={`badge ${transfer.data.decision.action === 'APPROVE' ? 'ok' : 'bad'}`} data-testid="transfer-verdict">
                    {transfer.data.decision.action}
                  </strong>
                </dd>
                <dt>Matched rule</dt>
                <dd data-testid="transfer-rule">{transfer.data.decision.rule ?? <span className="muted">none</span>}</dd>
                <dt>Policy version</dt>
                <dd>{transfer.data.decision.policyVersion ?? <span className="muted">none active</span>}</dd>
                <dt>Reason</dt>
                <dd>
                  {reasonWords(transfer.data.decision.reason)} <code>{transfer.data.decision.reason}</code>
                </dd>
                <dt>Decided</dt>
                <dd>
                  <Timestamp value={transfer.data.decision.decidedAt} />
                </dd>
              </dl>
            ) : (
              <p className="muted">
                Not decided yet: the custody provider’s co-signer has not asked about it.
                {transfer.data.status === 'failed' || transfer.data.status === 'rejected' || transfer.data.status === 'cancelled'
                  ? ' It ended before it was asked.'
                  : ''}
              </p>
            )}
          </div>
          <div>
            <h4>What was asked</h4>
            <dl className="facts">
              <dt>Status</dt>
              <dd>
                <span className={`badge ${STATUS_CLASS[transfer.data.status]}`}>{transfer.data.status}</span>
              </dd>
              <dt>Amount</dt>
              <dd>
                {transfer.data.amount} {transfer.data.asset}
              </dd>
              <dt>From</dt>
              <dd>
                {transfer.data.source.type} {transfer.data.source.id}
              </dd>
              <dt>To</dt>
              <dd className="wrap">{destinationOf(transfer.data)}</dd>
              {transfer.data.note && (
                <>
                  <dt>Note</dt>
                  <dd>{transfer.data.note}</dd>
                </>
              )}
              <dt>Provider</dt>
              <dd>
                {transfer.data.provider}
                {transfer.data.providerTxId && <span className="muted"> · {transfer.data.providerTxId}</span>}
              </dd>
              <dt>Reference</dt>
              <dd className="wrap">
                <code className="small">{transfer.data.externalTxId}</code>
              </dd>
              <dt>Created</dt>
              <dd>
                <Timestamp value={transfer.data.createdAt} />
              </dd>
              <dt>Updated</dt>
              <dd>
                <Timestamp value={transfer.data.updatedAt} />
              </dd>
            </dl>
          </div>
        </div>
      )}
    </section>
  );
}
