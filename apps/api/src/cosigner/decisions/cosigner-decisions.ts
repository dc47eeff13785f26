import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditWriter } from '@ringfence/audit';
import { DomainEvents, failureCodeOf, KeyEnvironment, Principal, prepared, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { createHash } from 'node:crypto';
import { COSIGNER_OPTIONS, CosignerOptions } from '../cosigner.options';
import { CosignerProblems } from '../cosigner.problems';
import { PolicyOwner, PolicyVersions } from '../policies/policy-versions';
import { ZERO } from '../policy/decimal';
import { CapReservation, decide } from '../policy/policy-engine';
import { CallbackAnswer, signCallbackAnswer } from '../protocol/callback-answer';
import { CosignerKeys } from '../protocol/cosigner-keys';
import { readSignRequest, SignRequest } from '../protocol/sign-request';
import { referencedPlaceOf, ReferencedPlace } from '../transfers/external-reference';
import { FINAL_TRANSFER_STATUSES, TransferStatus } from '../transfers/transfer-status';
import { CapWindows } from './cap-windows';
import { intentMismatch, TransferIntent } from './intent-match';

/** The two callbacks of the co-signer protocol. */
export type CallbackKind = 'tx_sign' | 'config_change';

/** What a callback is answered: the signed answer (compact JWS) and what it says, for the route's log line. */
export interface CallbackReply {
  readonly token: string;
  readonly action: CallbackAnswer['action'];
  /** The stored answer of an earlier, identical call, sent again byte for byte. */
  readonly replayed: boolean;
}

interface TransferRow extends TransferIntent {
  id: string;
  rule_name: string | null;
  provider: string;
  status: TransferStatus;
  provider_tx_id: string | null;
}

interface RequestRow {
  state: 'open' | 'final';
  kind: CallbackKind;
  answer: string | null;
  action: CallbackAnswer['action'] | null;
  payload_sha256: Buffer;
}

/** What the answer says and why, with the rule that decided and what an approval reserves. */
interface Decision {
  readonly action: 'APPROVE' | 'REJECT';
  readonly reason: string;
  readonly ruleName?: string;
  readonly reservation?: CapReservation;
}

/** A decision with what it was decided under, as the answer and the records carry it. */
interface Decided {
  readonly decision: Decision;
  readonly policy?: { readonly id: string; readonly version: number };
}

/** The request's slot in the dedupe table: ours to decide, or already answered, or not ours at all. */
type Claim =
  | { readonly kind: 'decide' }
  | { readonly kind: 'replay'; readonly reply: CallbackReply }
  | { readonly kind: 'refuse'; readonly reason: string };

const NOT_OURS = Symbol('not ours');
/** Claims a token carries about itself, which a retry may change without being another request. */
const TOKEN_CLAIMS = new Set(['iat', 'exp', 'nbf', 'jti']);
/** The longest a callback waits for its answer: the provider fails a request unanswered within 30 s. */
const ANSWER_BUDGET_MS = 20_000;
/** Final answers kept in memory for retries, at most (a provider retries within the hour). */
const FINALS_MAX = 20_000;
/** First sights remembered in memory while the database cannot record them, at most. */
const MEMORY_FIRST_SIGHTS_MAX = 10_000;

/**
 * Ring L3: a verified callback answered under its workspace's policy, exactly once per
 * (provider, requestId). The transfer the callback names (by its signed `externalTxId`) is
 * found under row-level security as that workspace; the request must repeat the intent; the
 * active policy decides, its caps' windows locked; then the decision, the reservation, the
 * transfer's status, the signed answer, the audit row and the domain event commit in one
 * transaction, and a duplicate gets the stored answer byte for byte. A failure answers RETRY
 * until COSIGNER_DECISION_DEADLINE_MS after the request was first seen, then REJECT: never
 * APPROVE on error.
 */
@Injectable()
export class CosignerDecisions {
  private readonly logger = new Logger(CosignerDecisions.name);
  private readonly firstSights = new Map<string, number>();
  /**
   * Final answers this process sent or read, by provider and requestId, with the content they
   * answered: a final answer never changes (the schema's trigger holds it), so a retry of the
   * same request is answered from here without the database, byte for byte as stored.
   */
  private readonly finals = new Map<
    string,
    { readonly kind: CallbackKind; readonly digest: Buffer; readonly token: string; readonly action: CallbackAnswer['action'] }
  >();

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly policies: PolicyVersions,
    private readonly windows: CapWindows,
    private readonly writer: AuditWriter,
    private readonly events: DomainEvents,
    private readonly keys: CosignerKeys,
    @Inject(COSIGNER_OPTIONS) private readonly options: CosignerOptions,
  ) {}

  /** Answers a verified callback of `provider`: `payload` is what its key signed. */
  async answer(provider: string, kind: CallbackKind, payload: Record<string, unknown>): Promise<CallbackReply> {
    const digest = payloadDigest(payload);
    // A retry of a request answered for good: its stored answer, before anything else is read.
    const claimed = payload['requestId'];
    const known = typeof claimed === 'string' ? this.finals.get(finalKey(provider, claimed)) : undefined;
    if (known && known.kind === kind && known.digest.equals(digest)) return { token: known.token, action: known.action, replayed: true };
    const request = readSignRequest(payload, new Date());
    const requestId = request.requestId;
    if (requestId === undefined) throw CosignerProblems.REQUEST_ID_MISSING();
    // Config changes concern the provider's workspace configuration, which no transfer of ours names.
    const place = kind === 'tx_sign' ? referencedPlaceOf(request.externalTxId) : undefined;
    const decided = this.decide(provider, kind, request, requestId, digest, place);
    // Whatever the database does (a pool to wait for, then statements up to their timeouts,
    // then the first sight's own transaction), the provider hears within ANSWER_BUDGET_MS: a
    // RETRY, never final; a decision that commits later is what the next call replays.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<CallbackReply>((resolve) => {
      timer = setTimeout(
        () => resolve({ token: this.sign({ action: 'RETRY', requestId }), action: 'RETRY', replayed: false }),
        ANSWER_BUDGET_MS,
      );
    });
    try {
      return await Promise.race([decided, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async decide(
    provider: string,
    kind: CallbackKind,
    request: SignRequest,
    requestId: string,
    digest: Buffer,
    place: ReferencedPlace | undefined,
  ): Promise<CallbackReply> {
    try {
      if (place) {
        const decided = await this.inTransaction(provider, place, () => this.decideForTransfer(provider, kind, request, requestId, digest));
        if (decided !== NOT_OURS) return decided;
      }
      return await this.inTransaction(provider, undefined, () =>
        this.rejectUnattributed(provider, kind, request, requestId, digest, unattributedReason(kind, request)),
      );
    } catch (error) {
      return this.answerFailure(provider, kind, requestId, digest, place, error);
    }
  }

  private inTransaction<T>(provider: string, place: ReferencedPlace | undefined, work: () => Promise<T>): Promise<T> {
    const principal: Principal = {
      kind: 'provider',
      provider,
      workspaceId: place?.workspaceId ?? null,
      environment: place?.environment ?? null,
    };
    const ms = this.options.decisionTimeoutMs;
    return this.unitOfWork.run(work, { principal, timeouts: { statementMs: ms, lockMs: ms, idleInTransactionMs: ms } });
  }

  /** In the transaction of the workspace the reference names: its transfer, or NOT_OURS when it has none by that reference. */
  private async decideForTransfer(
    provider: string,
    kind: CallbackKind,
    request: SignRequest,
    requestId: string,
    digest: Buffer,
  ): Promise<CallbackReply | typeof NOT_OURS> {
    const manager = this.unitOfWork.manager;
    const [transfer] = await sqlRows<TransferRow & { workspace_id: string; environment: KeyEnvironment }>(
      manager,
      prepared(
        'rf_cosigner_transfer_lock',
        `SELECT id, workspace_id, environment, provider, asset, amount, source, destination, status, provider_tx_id, rule_name
         FROM transfers WHERE external_tx_id = $1 FOR UPDATE`,
      ),
      [request.externalTxId],
    );
    if (!transfer) return NOT_OURS;
    const owner: PolicyOwner = { workspaceId: transfer.workspace_id, environment: transfer.environment };
    const claim = await this.claim(provider, requestId, kind, digest, owner, transfer.id);
    if (claim.kind === 'replay') return this.remember(provider, requestId, kind, digest, claim.reply);
    if (claim.kind === 'refuse') return this.refuseUnrecorded(requestId, claim.reason);

    const decided = await this.decideTransfer(provider, owner, transfer, request);
    const { decision } = decided;
    if (decision.action === 'APPROVE' && decision.reservation) {
      const { reservation } = decision;
      await this.windows.reserve(owner, decision.ruleName!, reservation.asset, reservation.amount, transfer.id);
    }
    // A transfer is decided once: a later request about a decided transfer changes its record, not its status.
    const decides = transfer.status === 'submitted' || transfer.status === 'pending';
    const status = decision.action === 'APPROVE' ? 'approved' : 'rejected';
    if (decides) {
      await manager.query(
        prepared(
          'rf_cosigner_transfer_decide',
          `UPDATE transfers SET status = $2, policy_version_id = $3, rule_name = $4, reason = $5, decided_at = now(),
                provider_tx_id = coalesce(provider_tx_id, $6) WHERE id = $1`,
        ),
        [transfer.id, status, decided.policy?.id ?? null, decision.ruleName ?? null, decision.reason, request.txId ?? null],
      );
    }
    const reply = await this.finish(provider, requestId, kind, digest, decided);
    await this.writer.append({
      action: 'cosigner.decide',
      outcome: decision.action === 'APPROVE' ? 'success' : 'denied',
      reason: decision.reason,
      target: { type: 'transfer', id: transfer.id },
      before: { status: transfer.status },
      after: {
        status: decides ? status : transfer.status,
        requestId,
        txId: request.txId ?? null,
        action: decision.action,
        policyVersion: decided.policy?.version ?? null,
        rule: decision.ruleName ?? null,
      },
    });
    if (decides) {
      await this.events.record(owner, {
        type: decision.action === 'APPROVE' ? 'transfer.approved' : 'transfer.rejected',
        subjectId: transfer.id,
        payload: {
          transferId: transfer.id,
          status,
          reason: decision.reason,
          policyVersion: decided.policy?.version ?? null,
          rule: decision.ruleName ?? null,
        },
      });
    }
    return reply;
  }

  /** The policy's decision on a request that names this transfer, once it is shown to ask for what the workspace submitted. */
  private async decideTransfer(provider: string, owner: PolicyOwner, transfer: TransferRow, request: SignRequest): Promise<Decided> {
    const reject = (reason: string): Decided => ({ decision: { action: 'REJECT', reason } });
    if (request.unreadable !== undefined) return reject(`unreadable_field:${request.unreadable}`);
    if (transfer.provider !== provider) return reject('intent_mismatch:provider');
    // A workspace an admin suspended or deleted has nothing approved (the kill switch reaches
    // the signing, not only the keys). Its row is held shared to the commit: a suspension
    // waits for the decisions under way, and none decided after it sees it active.
    const [workspace] = await sqlRows<{ status: string }>(
      this.unitOfWork.manager,
      prepared('rf_cosigner_workspace_hold', `SELECT status FROM workspaces WHERE id = $1 FOR SHARE`),
      [owner.workspaceId],
    );
    if (workspace?.status !== 'active') return reject(`workspace_${workspace?.status ?? 'deleted'}`);
    // A transfer that ended (rejected, failed, or completed or cancelled at the provider) is signed no more.
    if (FINAL_TRANSFER_STATUSES.has(transfer.status)) return reject(`transfer_${transfer.status}`);
    if (request.txId !== undefined && transfer.provider_tx_id !== null && request.txId !== transfer.provider_tx_id)
      return reject('intent_mismatch:txId');
    const mismatch = intentMismatch(transfer, request.facts);
    if (mismatch) return reject(`intent_mismatch:${mismatch}`);
    await this.policies.holdForDecision(owner);
    const policy = await this.policies.decidingVersion(owner);
    if (!policy) return reject('no_active_policy');
    const operation = request.facts.operation!;
    if (operation !== 'TRANSFER' && !policy.document.rules.some((rule) => rule.match.operations?.includes(operation))) {
      return { ...reject(`unsupported_operation:${operation}`), policy };
    }
    // An approved transfer asked about again with the same intent (another request of one
    // signing, a batch's): it was approved and reserved once, and is not counted twice. Only
    // for the provider transaction it was approved as: a request that names none, or one
    // about a transfer whose provider transaction was never recorded, may be another signing
    // of the same intent, which would move the funds again outside every cap and policy.
    if (transfer.status === 'approved') {
      if (request.txId === undefined || transfer.provider_tx_id === null || request.txId !== transfer.provider_tx_id) {
        return { ...reject('intent_mismatch:txId'), policy };
      }
      // And only while the policy approves what this request asks (its operation is no part of the
      // intent), by the rule that approved it: its cap was counted once, at the approval, and is not read again.
      const again = decide(policy.document, request.facts, () => ({ sum: ZERO, count: 0 }));
      if (again.action !== 'APPROVE') return { decision: { action: 'REJECT', reason: again.reason, ...ruleOf(again.ruleName) }, policy };
      if (again.ruleName !== transfer.rule_name) return { ...reject('approved_by_another_rule'), policy };
      return { decision: { action: 'APPROVE', reason: 'transfer_approved', ruleName: again.ruleName }, policy };
    }
    const decision = await this.windows.decide(owner, policy.document, request.facts, true);
    return { decision, policy };
  }

  /** A callback naming no transfer of ours (or a config change): rejected, recorded with no workspace, audited. */
  private async rejectUnattributed(
    provider: string,
    kind: CallbackKind,
    request: SignRequest,
    requestId: string,
    digest: Buffer,
    reason: string,
  ): Promise<CallbackReply> {
    const claim = await this.claim(provider, requestId, kind, digest, undefined, undefined);
    if (claim.kind === 'replay') return this.remember(provider, requestId, kind, digest, claim.reply);
    if (claim.kind === 'refuse') return this.refuseUnrecorded(requestId, claim.reason);
    const reply = await this.finish(provider, requestId, kind, digest, { decision: { action: 'REJECT', reason } });
    await this.writer.append({
      action: 'cosigner.decide',
      outcome: 'denied',
      reason,
      target: { type: 'cosigner_request', id: `${provider}:${requestId}`.slice(0, 200) },
      after: { kind, requestId, txId: request.txId ?? null, externalTxId: request.externalTxId ?? null, action: 'REJECT' },
    });
    return reply;
  }

  /**
   * The request's row, inserted open or locked as it stands: a final one is replayed; one
   * another workspace holds (invisible here), or that carried other content, is refused
   * without being touched. Concurrent duplicates queue on the row and replay its answer.
   */
  private async claim(
    provider: string,
    requestId: string,
    kind: CallbackKind,
    digest: Buffer,
    owner: PolicyOwner | undefined,
    transferId: string | undefined,
  ): Promise<Claim> {
    const manager = this.unitOfWork.manager;
    const inserted = await sqlRows<{ state: string }>(
      manager,
      prepared(
        'rf_cosigner_request_claim',
        `INSERT INTO cosigner_requests (provider, request_id, kind, workspace_id, environment, payload_sha256, transfer_id, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'open') ON CONFLICT (provider, request_id) DO NOTHING RETURNING state`,
      ),
      [provider, requestId, kind, owner?.workspaceId ?? null, owner?.environment ?? null, digest, transferId ?? null],
    );
    if (inserted.length > 0) return { kind: 'decide' };
    const [row] = await sqlRows<RequestRow>(
      manager,
      prepared(
        'rf_cosigner_request_lock',
        `SELECT state, kind, answer, action, payload_sha256 FROM cosigner_requests WHERE provider = $1 AND request_id = $2 FOR UPDATE`,
      ),
      [provider, requestId],
    );
    if (!row) return { kind: 'refuse', reason: 'request_id_conflict' };
    if (row.kind !== kind || !row.payload_sha256.equals(digest)) return { kind: 'refuse', reason: 'request_id_reused' };
    if (row.state === 'final') return { kind: 'replay', reply: { token: row.answer!, action: row.action!, replayed: true } };
    if (owner) {
      // Seen first while nothing could be decided (recorded without its workspace): it is this transfer's now.
      await manager.query(
        `UPDATE cosigner_requests SET workspace_id = $3, environment = $4, transfer_id = $5 WHERE provider = $1 AND request_id = $2`,
        [provider, requestId, owner.workspaceId, owner.environment, transferId],
      );
    }
    return { kind: 'decide' };
  }

  /** A final answer, committed, kept for the request's retries (the oldest forgotten past FINALS_MAX). */
  private remember(provider: string, requestId: string, kind: CallbackKind, digest: Buffer, reply: CallbackReply): CallbackReply {
    const key = finalKey(provider, requestId);
    if (!this.finals.has(key) && this.finals.size >= FINALS_MAX) this.finals.delete(this.finals.keys().next().value!);
    this.finals.set(key, { kind, digest, token: reply.token, action: reply.action });
    return reply;
  }

  /** Signs the decision and records it as the request's final answer. */
  private async finish(provider: string, requestId: string, kind: CallbackKind, digest: Buffer, decided: Decided): Promise<CallbackReply> {
    const { decision } = decided;
    const token = this.sign(
      decision.action === 'APPROVE' ? { action: 'APPROVE', requestId } : { action: 'REJECT', requestId, rejectionReason: decision.reason },
    );
    await this.unitOfWork.manager.query(
      prepared(
        'rf_cosigner_request_finish',
        `UPDATE cosigner_requests SET state = 'final', action = $3, reason = $4, policy_version_id = $5, rule_name = $6, answer = $7, decided_at = now()
        WHERE provider = $1 AND request_id = $2`,
      ),
      [provider, requestId, decision.action, decision.reason, decided.policy?.id ?? null, decision.ruleName ?? null, token],
    );
    const reply: CallbackReply = { token, action: decision.action, replayed: false };
    this.unitOfWork.afterCommit(() => this.remember(provider, requestId, kind, digest, reply));
    return reply;
  }

  /** A REJECT that is not recorded as the request's answer (the row is not ours to write). */
  private refuseUnrecorded(requestId: string, reason: string): CallbackReply {
    this.logger.warn({ reason }, 'cosigner request refused without a decision');
    return { token: this.sign({ action: 'REJECT', requestId, rejectionReason: reason }), action: 'REJECT', replayed: false };
  }

  /**
   * Nothing could be decided (the database, a lock, a bug): RETRY while the request is
   * younger than the deadline (from its first sight, recorded in a transaction of its own,
   * or in memory while the database cannot), REJECT after it. Never APPROVE.
   */
  private async answerFailure(
    provider: string,
    kind: CallbackKind,
    requestId: string,
    digest: Buffer,
    place: ReferencedPlace | undefined,
    error: unknown,
  ): Promise<CallbackReply> {
    this.logger.warn({ failure: failureCodeOf(error) }, 'cosigner decision failed');
    const firstSeen = await this.firstSight(provider, kind, requestId, digest, place);
    if (Date.now() - firstSeen < this.options.decisionDeadlineMs) {
      return { token: this.sign({ action: 'RETRY', requestId }), action: 'RETRY', replayed: false };
    }
    const reason = 'decision_deadline_passed';
    const token = this.sign({ action: 'REJECT', requestId, rejectionReason: reason });
    // Recorded final when the database lets it: a later call replays the REJECT rather than deciding afresh.
    await this.inTransaction(provider, place, async () => {
      await this.unitOfWork.manager.query(
        `UPDATE cosigner_requests SET state = 'final', action = 'REJECT', reason = $3, answer = $4, decided_at = now()
          WHERE provider = $1 AND request_id = $2 AND state = 'open'`,
        [provider, requestId, reason, token],
      );
    }).catch(() => undefined);
    return { token, action: 'REJECT', replayed: false };
  }

  /** When the request was first seen (epoch ms): the database's record, else this process's memory of it. */
  private async firstSight(
    provider: string,
    kind: CallbackKind,
    requestId: string,
    digest: Buffer,
    place: ReferencedPlace | undefined,
  ): Promise<number> {
    const key = `${provider}\u0000${requestId}`;
    try {
      const [row] = await this.inTransaction(provider, place, async () => {
        await this.unitOfWork.manager.query(
          `INSERT INTO cosigner_requests (provider, request_id, kind, payload_sha256, state) VALUES ($1, $2, $3, $4, 'open')
           ON CONFLICT (provider, request_id) DO NOTHING`,
          [provider, requestId, kind, digest],
        );
        return sqlRows<{ first_seen_at: Date }>(
          this.unitOfWork.manager,
          `SELECT first_seen_at FROM cosigner_requests WHERE provider = $1 AND request_id = $2`,
          [provider, requestId],
        );
      });
      if (row) return row.first_seen_at.getTime();
    } catch {
      // The database is what failed: this process's memory holds the deadline meanwhile.
    }
    const remembered = this.firstSights.get(key);
    if (remembered !== undefined) return remembered;
    if (this.firstSights.size >= MEMORY_FIRST_SIGHTS_MAX) this.firstSights.delete(this.firstSights.keys().next().value!);
    const now = Date.now();
    this.firstSights.set(key, now);
    return now;
  }

  private sign(answer: CallbackAnswer): string {
    const { privateKey, kid } = this.keys.signing;
    return signCallbackAnswer(answer, privateKey, kid);
  }
}

function ruleOf(ruleName: string | undefined): { ruleName?: string } {
  return ruleName === undefined ? {} : { ruleName };
}

function finalKey(provider: string, requestId: string): string {
  return `${provider}\u0000${requestId}`;
}

/** Why a callback that names no transfer of ours is rejected. */
function unattributedReason(kind: CallbackKind, request: SignRequest): string {
  if (kind === 'config_change') return 'config_change_not_supported';
  return request.externalTxId === undefined ? 'missing_field:externalTxId' : 'unknown_external_tx';
}

/**
 * SHA-256 of the signed payload in a canonical form (keys sorted, the token's own claims
 * left out): a retry carries the same, another request under a reused id does not.
 */
export function payloadDigest(payload: Readonly<Record<string, unknown>>): Buffer {
  // A frozen payload (a verified body the authenticator remembers) is digested once.
  const known = Object.isFrozen(payload) ? digests.get(payload) : undefined;
  if (known) return known;
  const digest = digestOf(payload);
  if (Object.isFrozen(payload)) digests.set(payload, digest);
  return digest;
}

const digests = new WeakMap<object, Buffer>();

function digestOf(payload: Readonly<Record<string, unknown>>): Buffer {
  const content = Object.fromEntries(Object.entries(payload).filter(([key]) => !TOKEN_CLAIMS.has(key)));
  return createHash('sha256').update(canonicalJson(content)).digest();
}

/**
 * Keys sorted, no spaces. Iterative: a signed payload nests as deep as its 64 KiB allow (some
 * 24,000 levels), past the call stack of a recursive walk, and must still be answered.
 */
function canonicalJson(root: unknown): string {
  const out: string[] = [];
  // What is left to write, last first: a value to walk, or text as it is.
  const work: ({ readonly value: unknown } | string)[] = [{ value: root }];
  while (work.length > 0) {
    const next = work.pop()!;
    if (typeof next === 'string') {
      out.push(next);
      continue;
    }
    const { value } = next;
    const parts: ({ readonly value: unknown } | string)[] = [];
    if (Array.isArray(value)) {
      parts.push('[');
      value.forEach((entry: unknown, index) => parts.push(...(index > 0 ? [','] : []), { value: entry }));
      parts.push(']');
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      parts.push('{');
      entries.forEach(([key, entry], index) => parts.push(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`, { value: entry }));
      parts.push('}');
    } else {
      out.push(JSON.stringify(value) ?? 'null');
    }
    for (let index = parts.length - 1; index >= 0; index -= 1) work.push(parts[index]!);
  }
  return out.join('');
}
