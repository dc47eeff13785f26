import { Inject, Injectable } from '@nestjs/common';
import { AuditWriter, declareAuditRedactions, SecurityEvents } from '@ringfence/audit';
import { constantTimeEqual } from '@ringfence/crypto';
import { ATTEMPT_BUDGETS, type AttemptBudget, AttemptLimiter } from '@ringfence/limits';
import { AdminRole, AdminSessionStage, ANONYMOUS, Principal, RequestContext, sqlCount, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { ADMIN_IDENTITY_OPTIONS, AdminIdentityOptions, REFRESH_REUSE_GRACE_SECONDS } from '../admin-identity.options';
import { AccessTokens } from '../tokens/access-tokens';
import { isOpaqueToken, newOpaqueToken, opaqueTokenHash } from '../tokens/opaque-token';
import { MAX_REFRESH_COOKIES } from './refresh-cookie';
import { SessionState, SessionStateCache } from './session-state-cache';
import { DEFAULT_PAGE_SIZE, Page, pageOf, positionOf } from '../../paging/keyset-page';

// A session's tokens never reach an audit row.
declareAuditRedactions('admin_session', ['accessToken', 'refreshToken', 'csrfToken', 'token_hash', 'tokenHash']);

/** What a client receives when a session opens or its refresh token rotates. */
export interface SessionTokens {
  sessionId: string;
  stage: AdminSessionStage;
  accessToken: string;
  expiresIn: number;
  /** Only for full sessions: a setup session cannot be refreshed. */
  refreshToken?: string;
  /** Only when the refresh token travels in a cookie: echo it in `X-CSRF-Token`. */
  csrfToken?: string;
}

/** Why a refresh was refused (the audit row's reason; the answer is the same 401). */
export type RefusalReason =
  'unknown_token' | 'csrf_mismatch' | 'cookie_token_in_body' | 'session_ended' | 'reuse_detected' | 'ambiguous_cookie' | 'reissue_limited';

export type RotationOutcome = { kind: 'rotated'; tokens: SessionTokens } | { kind: 'refused'; reason: RefusalReason };

type AdminPrincipal = Extract<Principal, { kind: 'admin' }>;

/** Where a full session's refresh token goes, and, for the cookie, the cookie the request came with. */
export interface RefreshDelivery {
  /** `__Secure-rf_refresh` (with a CSRF token in the body), not the body. */
  cookie: boolean;
  /** The `__Secure-rf_refresh` this browser sent: a cookie sign-in overwrites it (`supersedeCookieFamily`). */
  previousCookie?: string;
}

/** What a logout presents: the principal its bearer access token proved, and the browser's refresh cookie with the page's CSRF header. */
export interface LogoutProof {
  bearer?: AdminPrincipal;
  cookie?: string;
  csrfToken?: string;
}

/** The session a refresh token belongs to, read before there is a principal. */
interface RefreshTokenOwner {
  session_id: string;
  admin_id: string;
  role: AdminRole;
  csrf_hash: Buffer | null;
  /** This token was spent (its `used_at` is set). */
  used: boolean;
  /**
   * The family's current token as a browser may still hold it: unused, or the one spent token
   * the reuse grace would forgive (used within it, its successor unused).
   */
  current: boolean;
  /** Not revoked, not past its lifetime, its admin active. */
  live: boolean;
}

export interface SessionSummary {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  clientIp: string | null;
  userAgent: string | null;
  current: boolean;
}

interface SessionAuthRow {
  email: string;
  role: AdminRole;
  stage: AdminSessionStage;
  second_factor_at: Date | null;
  totp_enabled: boolean;
  password_must_change: boolean;
  expires_at: Date;
}

/**
 * Admin sessions. A session is one login, and its refresh tokens are one family: each
 * use rotates the token; presenting a used token again revokes the whole family (the
 * token was copied). Every request re-reads its session, so a revoked session, a
 * disabled admin or a changed role takes effect at once on this instance, and within
 * the session-state cache's life (1 s by default) on the others (docs/adr/0004-admin-identity.md).
 */
@Injectable()
export class AdminSessions {
  private readonly states: SessionStateCache;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
    private readonly accessTokens: AccessTokens,
    private readonly audit: AuditWriter,
    private readonly events: SecurityEvents,
    private readonly limiter: AttemptLimiter,
    @Inject(ADMIN_IDENTITY_OPTIONS) private readonly options: AdminIdentityOptions,
  ) {
    this.states = new SessionStateCache(options.sessionCacheMs);
  }

  /** The principal of a live session of an active admin, or null. */
  async principalFor(sessionId: string, adminId: string): Promise<Principal | null> {
    const state = await this.stateOf(sessionId);
    if (!state || state.adminId !== adminId) return null;
    return { kind: 'admin', adminId, role: state.role, sessionId, stage: state.stage, secondFactorAt: state.secondFactorAt };
  }

  /** A live session's state: from the cache, or one indexed read outside any transaction. */
  async stateOf(sessionId: string): Promise<SessionState | null> {
    const cached = this.states.get(sessionId);
    if (cached) return cached;
    // Outside a unit of work: it is what makes the principal (every admin request, cache misses only).
    const [row] = await this.unitOfWork.readOutsideUnitOfWork('admin session check, before there is a principal', (reader) =>
      sqlRows<SessionAuthRow & { admin_id: string }>(
        reader,
        `SELECT s.admin_id, a.email, a.role, s.stage, s.second_factor_at, a.totp_enabled_at IS NOT NULL AS totp_enabled,
                a.password_must_change, s.expires_at
           FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
          WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND a.status = 'active'`,
        [sessionId],
      ),
    );
    if (!row) return null;
    const state: SessionState = {
      adminId: row.admin_id,
      email: row.email,
      role: row.role,
      stage: row.stage,
      secondFactorAt: row.second_factor_at ? row.second_factor_at.getTime() : null,
      totpEnabled: row.totp_enabled,
      passwordMustChange: row.password_must_change,
      expiresAt: row.expires_at.getTime(),
    };
    this.states.set(sessionId, state);
    return state;
  }

  /**
   * Forget what this instance cached about an admin's sessions (role, status, password
   * changed): now, and again once the change commits, so a request that read the old row
   * in between cannot keep it cached.
   */
  forgetAdmin(adminId: string): void {
    this.states.forgetAdmin(adminId);
    this.unitOfWork.afterCommit(() => this.states.forgetAdmin(adminId));
  }

  private forgetSession(sessionId: string): void {
    this.states.forget(sessionId);
    this.unitOfWork.afterCommit(() => this.states.forget(sessionId));
  }

  /**
   * Opens a session in the current unit of work. A full session starts a refresh-token family;
   * with cookie delivery, the family of the cookie it overwrites ends if it is this admin's.
   */
  async open(adminId: string, options: { stage: AdminSessionStage; secondFactor: boolean } & RefreshDelivery): Promise<SessionTokens> {
    const csrf = options.cookie && options.stage === 'full' ? newOpaqueToken() : undefined;
    const [row] = await sqlRows<{ id: string }>(
      this.unitOfWork.manager,
      `INSERT INTO admin_sessions (admin_id, stage, expires_at, second_factor_at, csrf_hash, client_ip, user_agent)
       VALUES ($1, $2, now() + make_interval(secs => $3), CASE WHEN $4 THEN now() END, $5, $6, $7)
       RETURNING id`,
      [
        adminId,
        options.stage,
        options.stage === 'full' ? this.options.sessionTtlSeconds : this.options.accessTokenTtlSeconds,
        options.secondFactor,
        csrf?.hash ?? null,
        this.context.clientIp ?? null,
        this.context.userAgent?.slice(0, 512) ?? null,
      ],
    );
    const sessionId = row!.id;
    if (csrf) await this.supersedeCookieFamily(adminId, sessionId, options.previousCookie);
    return this.tokensFor(adminId, sessionId, options.stage, csrf?.token);
  }

  /**
   * A setup session whose setup is done becomes a full one, with its first refresh token,
   * only if this very session has seen a second factor (a TOTP confirmation or an MFA
   * login): knowing a one-time password alone never yields a full session. With cookie
   * delivery, the family of the cookie it overwrites ends if it is this admin's.
   */
  async completeSetup(sessionId: string, adminId: string, delivery: RefreshDelivery): Promise<SessionTokens | undefined> {
    const csrf = delivery.cookie ? newOpaqueToken() : undefined;
    const upgraded = await sqlCount(
      this.unitOfWork.manager,
      `UPDATE admin_sessions
          SET stage = 'full', csrf_hash = $3, expires_at = now() + make_interval(secs => $4), last_used_at = now()
        WHERE id = $1 AND admin_id = $2 AND stage = 'setup' AND revoked_at IS NULL AND second_factor_at IS NOT NULL
        RETURNING 1`,
      [sessionId, adminId, csrf?.hash ?? null, this.options.sessionTtlSeconds],
    );
    if (upgraded === 0) return undefined;
    this.forgetSession(sessionId);
    if (csrf) await this.supersedeCookieFamily(adminId, sessionId, delivery.previousCookie);
    return this.tokensFor(adminId, sessionId, 'full', csrf?.token);
  }

  /**
   * A cookie sign-in overwrites the browser's `__Secure-rf_refresh`: the family the old cookie carried
   * would stay live with no page able to use or end it. If it is a cookie session (it has a
   * CSRF hash) of this admin and the cookie is its current token (unused, or the one spent
   * token the reuse grace would forgive), it ends here (`superseded_by_sign_in`, audited as
   * `auth.session_revoke` by the admin signing in). A body (CLI) session, a token that
   * is no longer current (an old one from a log, planted or replayed), another admin's
   * cookie, or an unknown or malformed one, is ignored, and the answer is the same (no oracle).
   */
  private async supersedeCookieFamily(adminId: string, keptSessionId: string, previousCookie: string | undefined): Promise<void> {
    if (!isOpaqueToken(previousCookie)) return;
    const ended = await sqlRows<{ id: string; role: AdminRole }>(
      this.unitOfWork.manager,
      `UPDATE admin_sessions s SET revoked_at = now(), revoked_reason = 'superseded_by_sign_in'
         FROM admin_refresh_tokens t, admins a
        WHERE t.token_hash = $1 AND s.id = t.session_id AND s.admin_id = $2 AND s.id <> $3 AND s.revoked_at IS NULL
          AND s.csrf_hash IS NOT NULL AND a.id = s.admin_id AND ${CURRENT_TOKEN.replace('$2', '$4')}
        RETURNING s.id, a.role`,
      [opaqueTokenHash(previousCookie), adminId, keptSessionId, REFRESH_REUSE_GRACE_SECONDS],
    );
    for (const { id, role } of ended) {
      this.forgetSession(id);
      // The sign-in's unit of work acts as nobody yet: the row names the admin signing in.
      await this.asActor({ kind: 'admin', adminId, role, sessionId: keptSessionId, stage: 'full', secondFactorAt: null }, () =>
        this.audit.append({
          action: 'auth.session_revoke',
          outcome: 'success',
          reason: 'superseded_by_sign_in',
          target: { type: 'admin_session', id },
        }),
      );
    }
  }

  /** Runs `work` with `actor` as the current unit of work's principal (its audit rows' actor), then puts the previous one back. */
  private async asActor(actor: Principal, work: () => Promise<void>): Promise<void> {
    const previous = this.context.principal;
    this.context.setPrincipal(actor);
    try {
      await work();
    } finally {
      this.context.setPrincipal(previous);
    }
  }

  /**
   * Rotates a refresh token in its own transaction. A used token presented again
   * revokes its family, and that revocation commits even though the caller is refused,
   * with one exception, the reuse grace: by the cookie path (its CSRF header checked),
   * within `REFRESH_REUSE_GRACE_SECONDS` of its use, while the token that replaced it is
   * unused, it is a reload that lost the answer, and the family rotates again (that
   * successor spent unused, a new child issued). Two concurrent rotations of one token:
   * the row lock lets one through; the other finds it used and revokes the family (in a
   * body) or spends the unused child the first just made and issues its own (by the
   * cookie, within the grace): either way at most one child is ever live.
   */
  async rotate(refreshToken: string, cookie: { csrfToken: string | undefined } | undefined): Promise<RotationOutcome> {
    const hash = opaqueTokenHash(refreshToken);
    const owner = await this.ownerOf(hash);
    if (!owner) return this.refused('unknown_token');
    // A cookie travels by itself; the header proves the page that sent it is ours. Checked
    // before the token is spent, so a forged request cannot burn it.
    if (cookie && !csrfMatches(owner.csrf_hash, cookie.csrfToken)) return this.refused('csrf_mismatch', owner.session_id);
    // A token issued for the cookie (its session has a CSRF hash) is good only as the cookie,
    // with the header: in a body it would skip that check (a token lifted from a cookie jar
    // would work alone). An unused one is refused before it is spent, like a CSRF mismatch
    // (audited); a spent one is reuse whatever the path (a lifted jar, a proxy log): it
    // revokes the family below, never forgiven by the grace (that is the cookie path's).
    const cookieTokenInBody = !cookie && owner.csrf_hash !== null;
    if (cookieTokenInBody && !owner.used) return this.refused('cookie_token_in_body', owner.session_id);
    // A family rotating faster than any client would (a stolen token in a loop): 429 for a
    // while, before anything is spent; the first refusal of the block is audited. A spent
    // token goes on regardless: its reuse must still revoke the family (its re-issues within
    // the grace have their own cap).
    const rotations: [AttemptBudget, string] = [ATTEMPT_BUDGETS.rotationsPerSession, owner.session_id];
    let charged = false;
    if (!owner.used && this.limiter.isSpent(...rotations)) {
      await this.limiter.enforce([rotations], () =>
        this.events.record(
          {
            action: 'auth.refresh',
            outcome: 'denied',
            reason: 'rotation_limited',
            target: { type: 'admin_session', id: owner.session_id },
          },
          ANONYMOUS,
        ),
      );
      charged = true;
    }
    // The audit actor: the session's admin.
    const principal = actorOf(owner);
    const outcome = await this.unitOfWork.run(
      async (): Promise<RotationOutcome> => {
        const manager = this.unitOfWork.manager;
        // A cookie token in a body is never spent here: it was spent already (its use is reuse).
        const spent = cookieTokenInBody
          ? 0
          : await sqlCount(
              manager,
              `UPDATE admin_refresh_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL RETURNING 1`,
              [hash],
            );
        const grace = spent === 0 && cookie !== undefined ? await this.spendUnusedSuccessorWithinGrace(hash) : 'no';
        // Past ATTEMPT_BUDGETS.reissuesPerToken re-issues within the grace: refused, the family
        // left alone (a flaky link's reloads are no theft).
        if (grace === 'limited') return this.refused('reissue_limited', owner.session_id);
        const reissued = grace === 'reissued';
        if (spent === 0 && !reissued) {
          const revoked = await this.revoke(owner.session_id, 'refresh_token_reuse');
          await this.audit.append({
            action: 'auth.refresh_reuse',
            outcome: 'denied',
            reason: revoked ? 'family_revoked' : 'family_already_revoked',
            target: { type: 'admin_session', id: owner.session_id },
          });
          return { kind: 'refused', reason: 'reuse_detected' };
        }
        const [live] = await sqlRows<{ stage: AdminSessionStage }>(
          manager,
          `SELECT s.stage FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
            WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND a.status = 'active' AND s.stage = 'full'
            FOR UPDATE OF s`,
          [owner.session_id],
        );
        // Audited after this transaction ends (SecurityEvents), as the refusals before it.
        if (!live) return this.refused('session_ended', owner.session_id);
        await manager.query(`UPDATE admin_sessions SET last_used_at = now(), client_ip = $2, user_agent = $3 WHERE id = $1`, [
          owner.session_id,
          this.context.clientIp ?? null,
          this.context.userAgent?.slice(0, 512) ?? null,
        ]);
        // The presented token names its child: the one a reload within the grace may spend instead of revoking.
        const tokens = await this.tokensFor(owner.admin_id, owner.session_id, 'full', undefined, hash);
        await this.audit.append({
          action: 'auth.refresh',
          outcome: 'success',
          ...(reissued ? { reason: 'reissued_within_grace' } : {}),
          target: { type: 'admin_session', id: owner.session_id },
        });
        return { kind: 'rotated', tokens };
      },
      { principal },
    );
    // Only successes spend the session's rotation budget.
    if (outcome.kind === 'rotated' && !charged) await this.limiter.spend(rotations);
    return outcome;
  }

  /**
   * A refused refresh, audited in its own transaction (`auth.refresh`, the real reason, the
   * session when known) as the anonymous caller it is, like a refused login; the answer is the
   * uniform 401 whatever the reason. Reuse has its own row (`auth.refresh_reuse`).
   */
  private async refused(reason: RefusalReason, sessionId?: string): Promise<RotationOutcome> {
    await this.events.record(
      {
        action: 'auth.refresh',
        outcome: 'failure',
        reason,
        ...(sessionId ? { target: { type: 'admin_session', id: sessionId } } : {}),
      },
      ANONYMOUS,
    );
    return { kind: 'refused', reason };
  }

  /** A refused refresh that never reached a session (no token, or an ambiguous cookie), audited as `refused` does. */
  async refuseRefresh(reason: 'ambiguous_cookie'): Promise<void> {
    await this.refused(reason);
  }

  /**
   * Ends the sessions a logout proves, each audited as `auth.logout` by its admin: the one the
   * bearer access token proved (as it always was), and the one the refresh cookie names when
   * the CSRF header matches it and it is live. The cookie needs no bearer, so an access token
   * that expired while the laptop slept is no obstacle, and its token may be spent (a page
   * whose last refresh answer was lost still signs out): ending a family is all it can do.
   * Beside a bearer of the same admin, the cookie's family ends without the header: the
   * answer clears that cookie, which would leave the family live with nothing to use or end
   * it. `ended` false when nothing proves a session (the caller answers the uniform 401);
   * `clearCookie` only when the CSRF header proves the cookie (its session's hash matches)
   * and that session is over (ended here, or before): a request that proves nothing never
   * makes the answer sign a live console out.
   */
  async logout(proof: LogoutProof): Promise<{ ended: boolean; clearCookie: boolean }> {
    const { bearer } = proof;
    const owner = isOpaqueToken(proof.cookie) ? await this.ownerOf(opaqueTokenHash(proof.cookie)) : undefined;
    const cookieMatches = owner !== undefined && csrfMatches(owner.csrf_hash, proof.csrfToken);
    const cookieProven = owner?.live === true && cookieMatches;
    // A proven live cookie's session ends below; a proven dead one is over already.
    const clearCookie = cookieMatches;
    if (!bearer && !cookieProven) {
      // Refused: audited with the real reason, naming the session when the cookie named one.
      const reason =
        proof.cookie === undefined ? 'unproven' : !owner ? 'unknown_token' : !cookieMatches ? 'csrf_mismatch' : 'session_ended';
      await this.events.record(
        {
          action: 'auth.logout',
          outcome: 'failure',
          reason,
          ...(owner ? { target: { type: 'admin_session', id: owner.session_id } } : {}),
        },
        ANONYMOUS,
      );
      return { ended: false, clearCookie };
    }
    // Each session ends as its own admin (a bearer and a proven cookie of two admins: each its own).
    const endings = new Map<string, AdminPrincipal>(bearer ? [[bearer.sessionId, bearer]] : []);
    // Beside a bearer, without the header: only a cookie session of the bearer's admin whose
    // current token this is (never a body session named by an old token, planted or replayed).
    const bearersCookie = owner?.csrf_hash != null && owner.current && owner.admin_id === bearer?.adminId;
    if (owner?.live && (cookieProven || bearersCookie) && !endings.has(owner.session_id)) {
      endings.set(owner.session_id, owner.admin_id === bearer?.adminId ? bearer : actorOf(owner));
    }
    let ended = false;
    for (const [sessionId, actor] of endings) {
      const revoked = await this.unitOfWork.run(
        async () => {
          if (!(await this.revoke(sessionId, 'logout', actor.adminId))) return false;
          await this.audit.append({ action: 'auth.logout', outcome: 'success', target: { type: 'admin_session', id: sessionId } });
          return true;
        },
        { principal: actor },
      );
      ended ||= revoked;
    }
    // A bearer proved its session a moment ago: ended here or just before, it is over (as it always answered).
    return { ended: ended || bearer !== undefined, clearCookie };
  }

  /**
   * The `__Secure-rf_refresh` value a request means when its Cookie header carries several (cookie
   * tossing from a sibling subdomain): the one whose session's CSRF hash the header matches.
   * One value is taken as it is; several with none or more than one proven are ambiguous
   * (undefined): the caller refuses without clearing anything.
   */
  async cookieOf(cookies: string[], csrfToken: string | undefined): Promise<string | undefined> {
    if (cookies.length <= 1) return cookies[0];
    const proven: string[] = [];
    for (const cookie of cookies.slice(0, MAX_REFRESH_COOKIES)) {
      if (!isOpaqueToken(cookie)) continue;
      const owner = await this.ownerOf(opaqueTokenHash(cookie));
      if (owner && csrfMatches(owner.csrf_hash, csrfToken)) proven.push(cookie);
    }
    return proven.length === 1 ? proven[0] : undefined;
  }

  /** Ends one session; with `adminId`, only if it is that admin's (an admin ending their own). */
  async revoke(sessionId: string, reason: string, adminId?: string): Promise<boolean> {
    const revoked = await sqlCount(
      this.unitOfWork.manager,
      `UPDATE admin_sessions SET revoked_at = now(), revoked_reason = $2
        WHERE id = $1 AND ($3::uuid IS NULL OR admin_id = $3::uuid) AND revoked_at IS NULL RETURNING 1`,
      [sessionId, reason, adminId ?? null],
    );
    this.forgetSession(sessionId);
    return revoked > 0;
  }

  /** Ends every session of an admin, but `except` (the one making the change). */
  async revokeAll(adminId: string, reason: string, except?: string): Promise<number> {
    this.forgetAdmin(adminId);
    return sqlCount(
      this.unitOfWork.manager,
      `UPDATE admin_sessions SET revoked_at = now(), revoked_reason = $2
        WHERE admin_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3::uuid) RETURNING 1`,
      [adminId, reason, except ?? null],
    );
  }

  async markSecondFactor(sessionId: string): Promise<void> {
    await this.unitOfWork.manager.query(`UPDATE admin_sessions SET second_factor_at = now() WHERE id = $1`, [sessionId]);
    this.forgetSession(sessionId);
  }

  /** Newest first, a page at a time (keyset on creation time and id: a stable order, unlike the last use). */
  list(adminId: string, currentSessionId: string, query: { limit?: number; cursor?: string } = {}): Promise<Page<SessionSummary>> {
    return this.unitOfWork.read(() => this.listInTransaction(adminId, currentSessionId, query));
  }

  private async listInTransaction(
    adminId: string,
    currentSessionId: string,
    query: { limit?: number; cursor?: string },
  ): Promise<Page<SessionSummary>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = positionOf(query.cursor, ['timestamp', 'uuid']);
    const rows = await sqlRows<{
      id: string;
      created_at: Date;
      last_used_at: Date;
      expires_at: Date;
      client_ip: string | null;
      user_agent: string | null;
      page_at: string;
    }>(
      this.unitOfWork.manager,
      `SELECT id, created_at, last_used_at, expires_at, host(client_ip) AS client_ip, user_agent, created_at::text AS page_at
         FROM admin_sessions
        WHERE admin_id = $1 AND revoked_at IS NULL AND expires_at > now()
          AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [adminId, before?.[0] ?? null, before?.[1] ?? null, limit + 1],
    );
    return pageOf(
      rows,
      limit,
      (row) => ({
        id: row.id,
        createdAt: row.created_at,
        lastUsedAt: row.last_used_at,
        expiresAt: row.expires_at,
        clientIp: row.client_ip,
        userAgent: row.user_agent,
        current: row.id === currentSessionId,
      }),
      (row) => [row.page_at, row.id],
    );
  }

  /**
   * The reuse grace, for a spent token presented by the cookie path with its CSRF header: if
   * it was used within `REFRESH_REUSE_GRACE_SECONDS` and the token that replaced it is still
   * unused, spends that successor (it can never be used: presented later, it is reuse) and
   * says the family may rotate again. The spent token's row lock makes concurrent reissues of
   * it take turns; the successor's `used_at IS NULL` makes a reissue and the successor's own
   * use exclude each other. A successor spent this way names nothing, so it is never forgiven.
   * One spent token is re-issued at most `ATTEMPT_BUDGETS.reissuesPerToken` times (3, counted
   * by this instance): past that, 'limited', and nothing is spent.
   */
  private async spendUnusedSuccessorWithinGrace(tokenHash: Buffer): Promise<'reissued' | 'limited' | 'no'> {
    const manager = this.unitOfWork.manager;
    const [spent] = await sqlRows<{ replaced_by: Buffer | null }>(
      manager,
      `SELECT replaced_by FROM admin_refresh_tokens
        WHERE token_hash = $1 AND used_at > now() - make_interval(secs => $2)
        FOR UPDATE`,
      [tokenHash, REFRESH_REUSE_GRACE_SECONDS],
    );
    if (!spent?.replaced_by) return 'no';
    // At most ATTEMPT_BUDGETS.reissuesPerToken re-issues of one spent token (this instance's count).
    const reissues: [AttemptBudget, string] = [ATTEMPT_BUDGETS.reissuesPerToken, tokenHash.toString('base64url')];
    if (this.limiter.isSpent(...reissues)) return 'limited';
    const voided = await sqlCount(
      manager,
      `UPDATE admin_refresh_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL RETURNING 1`,
      [spent.replaced_by],
    );
    if (voided !== 1) return 'no';
    await this.limiter.spend(reissues);
    return 'reissued';
  }

  /** Outside a unit of work: the actor of what follows (the session's admin) is what this read finds out. */
  private async ownerOf(tokenHash: Buffer): Promise<RefreshTokenOwner | undefined> {
    const [owner] = await this.unitOfWork.readOutsideUnitOfWork('refresh token owner, before there is a principal', (reader) =>
      sqlRows<RefreshTokenOwner>(
        reader,
        `SELECT t.session_id, s.admin_id, a.role, s.csrf_hash, t.used_at IS NOT NULL AS used, ${CURRENT_TOKEN} AS current,
                (s.revoked_at IS NULL AND s.expires_at > now() AND a.status = 'active') AS live
           FROM admin_refresh_tokens t JOIN admin_sessions s ON s.id = t.session_id JOIN admins a ON a.id = s.admin_id
          WHERE t.token_hash = $1`,
        [tokenHash, REFRESH_REUSE_GRACE_SECONDS],
      ),
    );
    return owner;
  }

  private async tokensFor(
    adminId: string,
    sessionId: string,
    stage: AdminSessionStage,
    csrfToken: string | undefined,
    /** The token this rotation spent: it names the new one as its successor. */
    replacing?: Buffer,
  ): Promise<SessionTokens> {
    const access = this.accessTokens.issue({ adminId, sessionId });
    let refreshToken: string | undefined;
    if (stage === 'full') {
      const refresh = newOpaqueToken();
      await this.unitOfWork.manager.query(`INSERT INTO admin_refresh_tokens (token_hash, session_id) VALUES ($1, $2)`, [
        refresh.hash,
        sessionId,
      ]);
      if (replacing) {
        await this.unitOfWork.manager.query(`UPDATE admin_refresh_tokens SET replaced_by = $2 WHERE token_hash = $1`, [
          replacing,
          refresh.hash,
        ]);
      }
      refreshToken = refresh.token;
    }
    return {
      sessionId,
      stage,
      accessToken: access.token,
      expiresIn: access.expiresIn,
      ...(refreshToken ? { refreshToken } : {}),
      ...(csrfToken ? { csrfToken } : {}),
    };
  }
}

/**
 * SQL: the refresh token `t` is its family's current one as a browser may still hold it: unused,
 * or used within the reuse grace (`$2` seconds) with its successor unused (the token a reload
 * that lost the answer presents, which the grace forgives).
 */
const CURRENT_TOKEN = `(t.used_at IS NULL OR (t.used_at > now() - make_interval(secs => $2) AND EXISTS (
    SELECT 1 FROM admin_refresh_tokens c WHERE c.token_hash = t.replaced_by AND c.used_at IS NULL)))`;

/** Whether `csrfToken` is the one whose hash a cookie session keeps (never for a session without one). */
function csrfMatches(csrfHash: Buffer | null, csrfToken: string | undefined): boolean {
  return csrfHash !== null && csrfToken !== undefined && constantTimeEqual(opaqueTokenHash(csrfToken), csrfHash);
}

/** A refresh token's session acting as its admin: the actor of the rotation or logout it proves. */
function actorOf(owner: RefreshTokenOwner): AdminPrincipal {
  return { kind: 'admin', adminId: owner.admin_id, role: owner.role, sessionId: owner.session_id, stage: 'full', secondFactorAt: null };
}
