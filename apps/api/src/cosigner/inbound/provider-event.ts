import type { TransferStatus } from '../transfers/transfer-status';

/**
 * What a provider's verified webhook says about one of its transactions, as far as a
 * transfer cares: the provider's status words, and what they end the transfer as.
 */
export type ProviderEvent =
  | {
      readonly kind: 'transaction_status';
      /** The provider's id for the transaction. */
      readonly txId: string | undefined;
      /** Ours (`<workspaceId>:<environment>:<Idempotency-Key>`), when the transaction is one of ours. */
      readonly externalTxId: string | undefined;
      readonly status: string;
      readonly subStatus: string | undefined;
    }
  | { readonly kind: 'ignored'; readonly why: 'unreadable' | 'event_type' };

/** Event types that carry a transaction's status: Fireblocks' v1 name and its v2 (and Standard Webhooks providers') name. */
const STATUS_EVENT_TYPES = new Set(['TRANSACTION_STATUS_UPDATED', 'transaction.status.updated']);
/** Provider words are short codes; anything longer is not read. */
const WORD = /^[A-Za-z0-9_.:-]{1,64}$/;
const TEXT_MAX = 512;

/**
 * Reads a verified body: a JSON object whose `type` (Fireblocks v1) or `eventType` (v2) is a
 * transaction status update, with `data.status` and `data.externalTxId` or `data.id`. Anything
 * else (not JSON, another event type, a status update without a readable status) is ignored:
 * the provider signed it, so it is answered 200, and nothing reads it further.
 */
export function readProviderEvent(body: Buffer): ProviderEvent {
  let parsed: unknown;
  try {
    // Verified bytes, bounded by the route's body cap. JSON.parse never assigns __proto__ as a prototype.
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return { kind: 'ignored', why: 'unreadable' };
  }
  if (!isObject(parsed)) return { kind: 'ignored', why: 'unreadable' };
  const type = parsed['type'] ?? parsed['eventType'];
  if (typeof type !== 'string' || !STATUS_EVENT_TYPES.has(type)) return { kind: 'ignored', why: 'event_type' };
  const data = parsed['data'];
  if (!isObject(data)) return { kind: 'ignored', why: 'unreadable' };
  const status = word(data['status']);
  if (status === undefined) return { kind: 'ignored', why: 'unreadable' };
  // An id given but unreadable (not a string, too long, a control character or a lone
  // surrogate, which the database refuses) makes the event unreadable: read as absent, it would
  // pass for an event naming no provider transaction, and move a transfer whose recorded id is another.
  const txId = optionalText(data['id']);
  const externalTxId = optionalText(data['externalTxId']);
  if (txId === UNREADABLE || externalTxId === UNREADABLE) return { kind: 'ignored', why: 'unreadable' };
  return { kind: 'transaction_status', txId, externalTxId, status, subStatus: word(data['subStatus']) };
}

/**
 * What a provider status ends a transfer as, from the transfer's current status: `completed`
 * (only an approved transfer completes: the provider signed what we approved), `failed`,
 * `cancelled`, or `rejected` at the provider (an approved transfer it rejects is `failed`:
 * approval is ours and stays recorded). Undefined: the transfer does not move (a status in
 * flight, a final transfer, a completion of a transfer we never approved).
 */
export function transferStatusFor(providerStatus: string, current: TransferStatus): TransferStatus | undefined {
  const open = current === 'submitted' || current === 'pending' || current === 'approved';
  if (!open) return undefined;
  switch (providerStatus) {
    case 'COMPLETED':
      return current === 'approved' ? 'completed' : undefined;
    case 'FAILED':
    case 'TIMEOUT':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'REJECTED':
    case 'BLOCKED':
      return current === 'approved' ? 'failed' : 'rejected';
    default:
      return undefined;
  }
}

/** The reason a transfer ended by its provider records (`provider_failed:INSUFFICIENT_FUNDS`); none for a completion. */
export function providerReason(next: TransferStatus, providerStatus: string, subStatus: string | undefined): string | undefined {
  if (next === 'completed') return undefined;
  return `provider_${providerStatus.toLowerCase()}${subStatus ? `:${subStatus}` : ''}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function word(value: unknown): string | undefined {
  return typeof value === 'string' && WORD.test(value) ? value : undefined;
}

const UNREADABLE = Symbol('unreadable');
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A field that may be absent (undefined or null); present, it must be a bounded, well-formed string without control characters. */
function optionalText(value: unknown): string | undefined | typeof UNREADABLE {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > TEXT_MAX) return UNREADABLE;
  return value.isWellFormed() && !CONTROL.test(value) ? value : UNREADABLE;
}
