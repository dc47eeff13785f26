import { Inject, Injectable } from '@nestjs/common';
import { unauthenticated, Authenticator } from '@ringfence/access';
import { SecurityEvents } from '@ringfence/audit';
import { constantTimeEqual } from '@ringfence/crypto';
import { ATTEMPT_BUDGETS, AttemptLimiter } from '@ringfence/limits';
import { ANONYMOUS, KeyEnvironment, Principal, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import type { FastifyRequest } from 'fastify';
import { API_KEY_AUTH_OPTIONS, ApiKeyAuthOptions } from './api-key-auth.options';
import { API_KEY_PREFIXES, parseApiKey } from './api-key-format';
import { ApiKeyPeppers } from './api-key-peppers';
import { ApiKeyUsage } from './api-key-usage';
import { KEY_REVOCATIONS, KeyRevocations } from './key-revocations';
import { padTo } from './pad-to';
import { VerifiedKeyCache } from './verified-key-cache';

const API_KEY_BEARERS = Object.values(API_KEY_PREFIXES).map((prefix) => `Bearer ${prefix}`);

/** Every refusal takes at least this long, whatever its reason. */
export const API_KEY_FAILURE_MIN_MS = 25;

export type ApiKeyRefusal =
  | 'missing'
  | 'key_in_query'
  | 'malformed'
  | 'bad_checksum'
  | 'unknown_key'
  | 'wrong_secret'
  | 'environment_mismatch'
  | 'revoked'
  | 'expired'
  | 'workspace_suspended'
  | 'workspace_deleted'
  | 'limited';

interface KeyRow {
  id: string;
  workspace_id: string;
  environment: KeyEnvironment;
  scopes: string[];
  secret_hash: Buffer;
  pepper_version: number;
  revoked_at: Date | null;
  expires_at: Date | null;
  workspace_status: 'active' | 'suspended' | 'deleted';
  workspace_plan: string;
}

const KEY_IN_QUERY = /rf(?:_|%5f)(?:live|test)(?:_|%5f)/i;

/** Anything after the URL's first `?` that looks like a key (a second `?` included: it is still the query). */
function keyInQuery(url: string): boolean {
  const query = url.indexOf('?');
  return query !== -1 && KEY_IN_QUERY.test(url.slice(query + 1));
}

/**
 * Workspace API keys (`Authorization: Bearer rf_live_…`). The shape and checksum are
 * checked before any look-up; the look-up reads exactly the presented key under RLS
 * (`app.api_key_lookup`); the secret is compared as an HMAC under the key's pepper, in
 * constant time. Every refusal is the same 401, takes at least API_KEY_FAILURE_MIN_MS,
 * and its real reason is written to the audit log only. A key that passed is served
 * from memory for `cacheMs` (a few seconds at most): a revocation or suspension
 * reaches the other instances by KeyRevocations at once, and within that time at worst.
 */
@Injectable()
export class ApiKeyAuthenticator implements Authenticator {
  private readonly verified: VerifiedKeyCache;

  constructor(
    private readonly peppers: ApiKeyPeppers,
    private readonly events: SecurityEvents,
    private readonly usage: ApiKeyUsage,
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
    private readonly limiter: AttemptLimiter,
    @Inject(API_KEY_AUTH_OPTIONS) options: ApiKeyAuthOptions,
    @Inject(KEY_REVOCATIONS) private readonly revocations: KeyRevocations,
  ) {
    this.verified = new VerifiedKeyCache(options.cacheMs);
    revocations.subscribe((notice) =>
      'keyId' in notice ? this.verified.forgetKey(notice.keyId) : this.verified.forgetWorkspace(notice.workspaceId),
    );
  }

  /** A workspace key in the Authorization header (its prefix), rather than an admin token. */
  recognises(request: FastifyRequest): boolean {
    const authorization = request.headers.authorization ?? '';
    return API_KEY_BEARERS.some((bearer) => authorization.startsWith(bearer));
  }

  /** Not `async`: a key this instance has verified answers without a promise. */
  authenticate(request: FastifyRequest): Principal | Promise<Principal> {
    const started = Date.now();
    const ip = this.context.clientIp ?? 'unknown';
    // An address that kept presenting bad keys is refused for a while, good key or not.
    const blocked = this.limiter.isBlocked(ATTEMPT_BUDGETS.apiKeyFailuresPerIp, ip);
    if (!blocked) {
      const known = this.knownKey(request);
      if (known) {
        this.usage.touch(known.keyId);
        return known;
      }
    }
    return this.authenticateSlowly(request, started, ip, blocked);
  }

  /** A key verified here before and still cached, presented the only way accepted; else undefined. */
  private knownKey(request: FastifyRequest): Extract<Principal, { kind: 'api_key' }> | undefined {
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) return undefined;
    // A key in the query string: the full check refuses it.
    if (keyInQuery(request.url)) return undefined;
    return this.verified.get(VerifiedKeyCache.fingerprint(header.slice('Bearer '.length)));
  }

  private async authenticateSlowly(request: FastifyRequest, started: number, ip: string, blocked: boolean): Promise<Principal> {
    const outcome = blocked ? { refused: 'limited' as const } : await this.check(request);
    if ('kind' in outcome) {
      if (outcome.kind === 'api_key') this.usage.touch(outcome.keyId);
      return outcome;
    }
    // No credentials at all is not an attempt worth a row; a refused key is, until its
    // address is limited: then one row says so, and the flood writes nothing more.
    if (outcome.refused !== 'missing' && outcome.refused !== 'limited') {
      const limited = await this.limiter.spend([ATTEMPT_BUDGETS.apiKeyFailuresPerIp, ip]);
      if (!limited || limited.firstRefusal) {
        await this.events.record(
          {
            action: 'auth.api_key',
            outcome: 'failure',
            reason: limited ? 'limited' : outcome.refused,
            ...(outcome.keyId ? { target: { type: 'api_key', id: outcome.keyId } } : {}),
          },
          ANONYMOUS,
        );
      }
    }
    await padTo(started, API_KEY_FAILURE_MIN_MS);
    throw unauthenticated();
  }

  /**
   * The full check, for what `knownKey` did not admit: a cached key never reaches the
   * look-up here (the fast path answered it, or refused it for the same reasons as below).
   */
  private async check(request: FastifyRequest): Promise<Principal | { refused: ApiKeyRefusal; keyId?: string }> {
    // A key in a URL ends up in proxy logs and browser history: refused even with a good header.
    if (keyInQuery(request.url)) return { refused: 'key_in_query' };
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) return { refused: 'missing' };
    const presented = header.slice('Bearer '.length);
    const parsed = parseApiKey(presented);
    if (parsed === 'malformed' || parsed === 'bad_checksum') return { refused: parsed };

    const generation = this.verified.generation;
    const row = await this.lookUp(parsed.keyId);
    if (!row) return { refused: 'unknown_key', keyId: parsed.keyId };
    const expected = this.peppers.hash(parsed.key, row.pepper_version);
    if (!expected || !constantTimeEqual(expected, row.secret_hash)) return { refused: 'wrong_secret', keyId: parsed.keyId };
    if (row.environment !== parsed.environment) return { refused: 'environment_mismatch', keyId: parsed.keyId };
    if (row.revoked_at) return { refused: 'revoked', keyId: parsed.keyId };
    if (row.expires_at && row.expires_at.getTime() <= Date.now()) return { refused: 'expired', keyId: parsed.keyId };
    if (row.workspace_status !== 'active') {
      return { refused: row.workspace_status === 'suspended' ? 'workspace_suspended' : 'workspace_deleted', keyId: parsed.keyId };
    }
    const expiresAt = row.expires_at?.getTime() ?? null;
    const principal = {
      kind: 'api_key' as const,
      keyId: parsed.keyId,
      workspaceId: row.workspace_id,
      scopes: row.scopes,
      environment: row.environment,
      plan: row.workspace_plan,
      expiresAt,
    };
    this.verified.set(VerifiedKeyCache.fingerprint(presented), principal, expiresAt, generation);
    return principal;
  }

  /**
   * A key revoked or rotated here: refused by this instance from now on, and by every
   * other once the change commits (pub/sub with Redis; otherwise within the cache's life).
   */
  forgetKey(keyId: string): void {
    this.verified.forgetKey(keyId);
    this.unitOfWork.afterCommit(() => this.revocations.publish({ keyId }));
  }

  /** A workspace suspended, deleted or re-planned here: its keys are looked up again everywhere. */
  forgetWorkspace(workspaceId: string): void {
    this.verified.forgetWorkspace(workspaceId);
    this.unitOfWork.afterCommit(() => this.revocations.publish({ workspaceId }));
  }

  /**
   * Exactly the presented key and its workspace are visible to this transaction (RLS look-up
   * policies). A database fault is the 503 it is, never a refusal: the caller's key may be good.
   */
  private async lookUp(keyId: string): Promise<KeyRow | undefined> {
    // Outside a unit of work: the workspace to run one for is what this read finds out.
    const [row] = await this.unitOfWork.readOutsideUnitOfWork('API key look-up, before there is a principal', async (reader) => {
      await reader.query(`SELECT set_config('app.api_key_lookup', $1, true)`, [keyId]);
      return sqlRows<KeyRow>(
        reader,
        `SELECT k.id, k.workspace_id, k.environment, k.scopes, k.secret_hash, k.pepper_version, k.revoked_at, k.expires_at,
                w.status AS workspace_status, w.plan AS workspace_plan
           FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id
          WHERE k.key_id = $1`,
        [keyId],
      );
    });
    return row;
  }
}
