import { addDecimals, compareDecimals, parseDecimal, ZERO } from '../policy/decimal';
import type { TransferFacts } from '../policy/policy-engine';

/** The longest text field read from a callback; longer is treated as absent (and a rule needing it rejects). */
const MAX_FIELD = 512;
/** The most destinations read from one request; more is refused as a whole. */
export const MAX_DESTINATIONS = 100;

/** A verified `tx_sign_request` payload, read defensively: what the decision and the answer need. */
export interface SignRequest {
  /** Echoed in the answer; the dedupe key with the provider. Undefined: the request cannot be answered. */
  readonly requestId?: string;
  readonly txId?: string;
  /** Ours when it is `<workspaceId>:<environment>:<Idempotency-Key>`: how a callback finds its workspace. */
  readonly externalTxId?: string;
  readonly facts: TransferFacts;
  /** A field present but unreadable (a bad amount, too many destinations): a REJECT naming it. */
  readonly unreadable?: string;
}

/**
 * Reads a verified signing request. Unknown fields are ignored; a missing field stays
 * missing (the policy rejects when a rule needs it); `amountStr` is the amount, the
 * deprecated numeric `amount` is never read (nor an `amountStr` the destinations'
 * `amountNativeStr` contradict: above it, unreadable, or all given and not adding up to
 * it); a request with no operation is a TRANSFER, as the provider documents (one whose
 * operation is present but unreadable is not). `at` is when we decide, not a time the
 * request claims.
 */
export function readSignRequest(payload: Record<string, unknown>, at: Date): SignRequest {
  const field = (name: string, from: Record<string, unknown> = payload) => textOf(from[name]);
  let unreadable: string | undefined;
  const amountText = payload['amountStr'];
  let amount = amountText === undefined ? undefined : parseDecimal(amountText);
  if (amountText !== undefined && !amount) unreadable = 'amountStr';

  const destinations: TransferFacts['destinations'][number][] = [];
  const listed = payload['destinations'];
  if (Array.isArray(listed) && listed.length > 0) {
    if (listed.length > MAX_DESTINATIONS) unreadable ??= 'destinations';
    else {
      // What the destinations say they move: amountStr is the amount only while they do not contradict it.
      let moved = ZERO;
      let given = 0;
      let contradicts = false;
      for (const entry of listed) {
        const one = typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? (entry as Record<string, unknown>) : {};
        if (one['amountNativeStr'] !== undefined) {
          const part = parseDecimal(one['amountNativeStr']);
          if (part) moved = addDecimals(moved, part);
          else contradicts = true;
          given += 1;
        }
        destinations.push(
          withoutUndefined({
            type: field('dstType', one),
            id: field('dstId', one),
            // The address funds go to is dstAddress; the display string is read only when it is absent.
            address: one['dstAddress'] === undefined ? field('displayDstAddress', one) : field('dstAddress', one),
          }),
        );
      }
      // An amount a destination carries but we cannot read is unreadable, whether or not amountStr came.
      if (contradicts && !amount) unreadable ??= 'destinations';
      if (
        amount &&
        (contradicts || compareDecimals(moved, amount) > 0 || (given === listed.length && compareDecimals(moved, amount) !== 0))
      ) {
        amount = undefined;
        unreadable ??= 'amountStr';
      }
      // A top-level destination beside the list is one more destination, never hidden by it,
      // unless it repeats a listed one exactly (the provider's shape for one destination).
      const single = withoutUndefined({ type: field('destType'), id: field('destId'), address: field('destAddress') });
      const repeats = destinations.some((one) => one.type === single.type && one.id === single.id && one.address === single.address);
      if ((single.id !== undefined || single.address !== undefined) && !repeats) destinations.push(single);
    }
  } else if (listed !== undefined && !Array.isArray(listed)) {
    unreadable ??= 'destinations';
  } else {
    const single = withoutUndefined({ type: field('destType'), id: field('destId'), address: field('destAddress') });
    if (Object.keys(single).length > 0) destinations.push(single);
  }

  const sourceType = field('sourceType');
  // Only an absent operation is a TRANSFER: one present but unreadable (a list, a number, "")
  // is absent for the policy (a rule on operations rejects) and named as unreadable.
  const operation = payload['operation'] === undefined ? 'TRANSFER' : field('operation');
  if (operation === undefined) unreadable ??= 'operation';
  const facts: TransferFacts = withoutUndefined({
    operation,
    asset: field('asset'),
    amount,
    source: sourceType === undefined ? undefined : withoutUndefined({ type: sourceType, id: field('sourceId') }),
    destinations,
    at,
  });
  return withoutUndefined({ requestId: field('requestId'), txId: field('txId'), externalTxId: field('externalTxId'), facts, unreadable });
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD ? value : undefined;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
