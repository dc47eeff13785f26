import { ExpiringMap } from '@ringfence/limits';
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

/**
 * Live sessions' state for at most `ttlMs`, so an admin request does not read its session
 * every time. Every change this instance makes (revoke, disable, role, second factor)
 * forgets the entry at once; a change made by another instance is seen within `ttlMs`.
 * Only live sessions are kept, and a session past its expiry is never served.
 */
export class SessionStateCache {
  private readonly entries = new ExpiringMap<string, SessionState>();

  constructor(private readonly ttlMs: number) {}

  get(sessionId: string, now = Date.now()): SessionState | undefined {
    return this.entries.get(sessionId, now);
  }

  set(sessionId: string, state: SessionState, now = Date.now()): void {
    if (this.ttlMs > 0) this.entries.set(sessionId, state, Math.min(now + this.ttlMs, state.expiresAt));
  }

  forget(sessionId: string): void {
    this.entries.delete(sessionId);
  }

  forgetAdmin(adminId: string): void {
    this.entries.deleteWhere((state) => state.adminId === adminId);
  }
}
