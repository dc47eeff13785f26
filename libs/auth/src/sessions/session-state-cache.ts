import { AdminRole, AdminSessionStage } from '@ringfence/tenancy';

/** What a request needs to know about its session, read from the database. */
export interface SessionState {
  adminId: string;
  email: string;
  role: AdminRole;
  stage: AdminSessionStage;
  secondFactorAt: number | null;
  totpEnabled: boolean;
  passwordMustChange: boolean;
  expiresAt: number;
}

const MAX_ENTRIES = 10_000;

/**
 * Live sessions' state for at most `ttlMs`, so an admin request does not read its session
 * every time. Every change this instance makes (revoke, disable, role, second factor)
 * forgets the entry at once; a change made by another instance is seen within `ttlMs`.
 * Only live sessions are kept, and a session past its expiry is never served.
 */
export class SessionStateCache {
  private readonly entries = new Map<string, { state: SessionState; until: number }>();

  constructor(private readonly ttlMs: number) {}

  get(sessionId: string, now = Date.now()): SessionState | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (entry.until <= now || entry.state.expiresAt <= now) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry.state;
  }

  set(sessionId: string, state: SessionState, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(sessionId, { state, until: now + this.ttlMs });
  }

  forget(sessionId: string): void {
    this.entries.delete(sessionId);
  }

  forgetAdmin(adminId: string): void {
    for (const [sessionId, entry] of this.entries) if (entry.state.adminId === adminId) this.entries.delete(sessionId);
  }
}
