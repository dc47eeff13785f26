import { KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { TransferSubmission } from '../custody-provider';

/** A transaction's state at the simulated provider, named as the provider names its statuses. */
export type SimulatedStatus = 'SUBMITTED' | 'PENDING_SIGNATURE' | 'COMPLETED' | 'REJECTED' | 'FAILED';

/** What the provider was asked to move (its create-transaction request, read): what our port submits. */
export type SimulatedTransferRequest = TransferSubmission;

/** One answer of our callback, as the provider received it. */
export interface SimulatedAnswer {
  readonly at: string;
  /** The HTTP status, or null when nothing came back in time (or the call could not be made). */
  readonly httpStatus: number | null;
  /** Whether the body was a token our response key signed (RS256). */
  readonly verified: boolean;
  /** What a verified answer said. */
  readonly requestId?: string;
  readonly action?: string;
  readonly rejectionReason?: string;
  /** The body as received (the compact JWS), for whoever wants to verify it again. */
  readonly token?: string;
}

/** A transaction as the simulated provider recorded it. */
export interface SimulatedTransaction extends SimulatedTransferRequest {
  /** The provider's id (`txId` in its callbacks), `sim-<uuid>`. */
  readonly id: string;
  readonly createdAt: string;
  readonly status: SimulatedStatus;
  /** The co-signer approved it, so the provider signed it. */
  readonly signed: boolean;
  /** REJECTED: the co-signer's reason. */
  readonly rejectionReason?: string;
  /** FAILED: why the provider failed it (`answer_unverifiable`, `answer_invalid`, `retry_window_passed`, `callback_http_401`, …). */
  readonly failureReason?: string;
  /** The signing request's id: the same on every retry. */
  readonly requestId: string;
  /** Every answer received, in order. */
  readonly answers: readonly SimulatedAnswer[];
  /** How many of them were RETRY. */
  readonly retries: number;
}

/** The simulator's own mutable record of a transaction; snapshots leave it. */
export type SimulatedRecord = { -readonly [K in keyof SimulatedTransaction]: SimulatedTransaction[K] } & { answers: SimulatedAnswer[] };

/** How the co-signer's call reaches our callback route (in-process through Fastify, or over HTTP). */
export type CallbackTransport = (route: 'tx_sign_request', token: string, signal: AbortSignal) => Promise<{ status: number; body: string }>;

export interface SimulatedCosignerOptions {
  /** Signs the requests: the provider's co-signer key (read when first needed; a throw fails the transaction). */
  readonly signingKey: () => KeyObject;
  /** Verifies our answers: the response public key the provider's console was given. */
  readonly responseKey: () => KeyObject;
  readonly transport: CallbackTransport;
  /** On RETRY the same request is sent again this long after the answer… */
  readonly retryIntervalMs: number;
  /** …while its first call is younger than this; then the transaction fails. */
  readonly retryForMs: number;
  /** The provider's budget for one answer (30 s). */
  readonly answerTimeoutMs?: number;
  /** Told of each transaction's outcome (a log line); never of a token. */
  readonly onOutcome?: (transaction: SimulatedTransaction) => void;
}

/** The provider fails a request our callback has not answered within this. */
export const PROVIDER_ANSWER_TIMEOUT_MS = 30_000;
const ACTIONS = new Set(['APPROVE', 'REJECT', 'RETRY']);

/**
 * The provider's co-signer, simulated: for a transaction it accepted, it builds a
 * `tx_sign_request` as the provider documents it, signs it RS256 with its own key, sends it
 * to our callback, verifies the answer with our response key and records the outcome:
 * APPROVE signs (COMPLETED), REJECT rejects with the reason, an answer it cannot verify (or
 * none, or an error status) fails the transaction, and RETRY sends the identical request
 * again every `retryIntervalMs` for `retryForMs`. Every call starts from a timer, never from
 * the caller's stack (so never inside its transaction); `stop()` cancels the timers and waits
 * for the calls in flight, so nothing is left behind.
 */
export class SimulatedCosigner {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: SimulatedCosignerOptions) {}

  /** Asks our callback about `transaction` once the caller has returned. */
  ask(transaction: SimulatedRecord): void {
    transaction.status = 'PENDING_SIGNATURE';
    this.later(0, () => this.call(transaction, Date.now()));
  }

  /** Cancels every scheduled call and waits for those in flight; their outcomes are not recorded. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private later(delayMs: number, work: () => Promise<void>): void {
    if (this.stopping.signal.aborted) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(work());
    }, delayMs);
    this.timers.add(timer);
  }

  private track(promise: Promise<unknown>): void {
    const settled = promise.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
  }

  /** One call (`firstCallAt`: the first call's time, which the retry window counts from). */
  private async call(transaction: SimulatedRecord, firstCallAt: number, token?: string): Promise<void> {
    let request = token;
    if (request === undefined) {
      try {
        request = jwt.sign(signRequestPayload(transaction), this.options.signingKey(), { algorithm: 'RS256' });
      } catch {
        return this.finish(transaction, { status: 'FAILED', failureReason: 'cosigner_key_unavailable' });
      }
    }
    const answer = await this.send(request);
    if (this.stopping.signal.aborted) return;
    transaction.answers.push(answer);
    if (answer.httpStatus === null) return this.finish(transaction, { status: 'FAILED', failureReason: 'callback_unanswered' });
    if (answer.httpStatus !== 200)
      return this.finish(transaction, { status: 'FAILED', failureReason: `callback_http_${answer.httpStatus}` });
    if (!answer.verified) return this.finish(transaction, { status: 'FAILED', failureReason: 'answer_unverifiable' });
    // A signed answer about another request, or with no action the protocol has for it, answers nothing.
    if (answer.requestId !== transaction.requestId || !ACTIONS.has(answer.action ?? '')) {
      return this.finish(transaction, { status: 'FAILED', failureReason: 'answer_invalid' });
    }
    if (answer.action === 'APPROVE') return this.finish(transaction, { status: 'COMPLETED', signed: true });
    if (answer.action === 'REJECT') {
      return this.finish(transaction, { status: 'REJECTED', rejectionReason: answer.rejectionReason ?? 'unspecified' });
    }
    transaction.retries += 1;
    if (Date.now() + this.options.retryIntervalMs > firstCallAt + this.options.retryForMs) {
      return this.finish(transaction, { status: 'FAILED', failureReason: 'retry_window_passed' });
    }
    // The identical request again: same requestId, same payload, the same bytes.
    this.later(this.options.retryIntervalMs, () => this.call(transaction, firstCallAt, request));
  }

  /** Sends the request and reads the answer: verified with our response key, or not. */
  private async send(token: string): Promise<SimulatedAnswer> {
    const at = new Date().toISOString();
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.options.answerTimeoutMs ?? PROVIDER_ANSWER_TIMEOUT_MS)]);
    let reply: { status: number; body: string };
    try {
      reply = await this.options.transport('tx_sign_request', token, signal);
    } catch {
      return { at, httpStatus: null, verified: false };
    }
    if (reply.status !== 200) return { at, httpStatus: reply.status, verified: false };
    const body = reply.body.trim();
    let claims: Record<string, unknown>;
    try {
      const verified = jwt.verify(body, this.options.responseKey(), { algorithms: ['RS256'] }) as unknown;
      claims = typeof verified === 'object' && verified !== null ? (verified as Record<string, unknown>) : {};
    } catch {
      return { at, httpStatus: 200, verified: false, token: body };
    }
    const said = Object.fromEntries(
      (['requestId', 'action', 'rejectionReason'] as const).flatMap((name) =>
        typeof claims[name] === 'string' ? [[name, claims[name]]] : [],
      ),
    ) as Pick<SimulatedAnswer, 'requestId' | 'action' | 'rejectionReason'>;
    return { at, httpStatus: 200, verified: true, token: body, ...said };
  }

  private finish(transaction: SimulatedRecord, outcome: Partial<SimulatedRecord> & { status: SimulatedStatus }): void {
    Object.assign(transaction, outcome);
    this.options.onOutcome?.(snapshotOf(transaction));
  }
}

/** Whether the co-signer is done with the transaction: signed, rejected or failed (not submitted, nor waiting for an answer). */
export function hasOutcome(transaction: SimulatedTransaction | undefined): transaction is SimulatedTransaction {
  return transaction !== undefined && transaction.status !== 'SUBMITTED' && transaction.status !== 'PENDING_SIGNATURE';
}

/** A copy of the record that the caller may keep (the record goes on changing). */
export function snapshotOf(transaction: SimulatedRecord): SimulatedTransaction {
  return structuredClone(transaction);
}

/** A new record for an accepted request: the provider's own id and the signing request's id. */
export function newSimulatedRecord(request: SimulatedTransferRequest): SimulatedRecord {
  return {
    ...structuredClone(request),
    id: `sim-${randomUUID()}`,
    createdAt: new Date().toISOString(),
    status: 'SUBMITTED',
    signed: false,
    requestId: randomUUID(),
    answers: [],
    retries: 0,
  };
}

/**
 * The `tx_sign_request` payload as the provider documents it: the transaction's id, our
 * reference, the operation, source, asset and amount (`amountStr`, never a float), the
 * destination at the top and in `destinations[]` with its amount.
 */
export function signRequestPayload(transaction: SimulatedRecord): Record<string, unknown> {
  const { destination } = transaction;
  const oneTime = destination.address !== undefined;
  return {
    requestId: transaction.requestId,
    txId: transaction.id,
    externalTxId: transaction.externalTxId,
    operation: 'TRANSFER',
    sourceType: transaction.source.type,
    sourceId: transaction.source.id,
    asset: transaction.asset,
    amountStr: transaction.amount,
    requestedAmountStr: transaction.amount,
    ...(destination.type === undefined ? {} : { destType: destination.type }),
    ...(oneTime ? { destAddress: destination.address } : { destId: destination.id }),
    destAddressType: oneTime ? 'ONE_TIME' : 'WHITELISTED',
    destinations: [
      {
        amountNativeStr: transaction.amount,
        ...(destination.type === undefined ? {} : { dstType: destination.type }),
        ...(oneTime ? { dstAddress: destination.address } : { dstId: destination.id }),
        dstAddressType: oneTime ? 'ONE_TIME' : 'WHITELISTED',
      },
    ],
    ...(transaction.note === undefined ? {} : { note: transaction.note }),
  };
}
