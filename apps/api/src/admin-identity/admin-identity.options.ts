/** What the admin identity needs from the application's configuration. */
export interface AdminIdentityOptions {
  /** `iss` of access tokens, and what verification requires. */
  readonly issuer: string;
  /** `aud` of access tokens, and what verification requires. */
  readonly audience: string;
  /** Access-token lifetime: 10 to 15 minutes. */
  readonly accessTokenTtlSeconds: number;
  /** A session's (refresh-token family's) absolute lifetime. */
  readonly sessionTtlSeconds: number;
  /** The signing key version (`jwt-signing.vN.pem`) that signs; the highest when unset. */
  readonly signingKeyVersion?: number;
  /** `Secure` on the refresh cookie; only a local plain-HTTP development setup turns it off. */
  readonly secureCookies: boolean;
  /** Where reset links point (the admin console). */
  readonly consoleUrl: string;
  /** How long a session's state may be served from memory (0: read it on every request). */
  readonly sessionCacheMs: number;
}

export const ADMIN_IDENTITY_OPTIONS = Symbol('ADMIN_IDENTITY_OPTIONS');

/** Lifetimes that are not configuration. */
export const MFA_CHALLENGE_TTL_MS = 5 * 60 * 1000;
export const MFA_CHALLENGE_MAX_FAILURES = 5;
/** Wrong login codes per admin, over all challenges and addresses, before an hour's pause. */
export const MFA_MAX_FAILURES_PER_ADMIN = 10;
export const MFA_FAILURE_WINDOW_MS = 60 * 60 * 1000;
/**
 * How long after its use a spent refresh token may come back, by the cookie path with its
 * CSRF header, and be taken for a reload that lost the answer (rotate again) rather than for
 * a copy (revoke the family), while the token that replaced it is still unused (ADR 0004).
 */
export const REFRESH_REUSE_GRACE_SECONDS = 15;
export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;
/**
 * How long a one-time password (a new admin's, or one `admin:create` printed) signs in: past
 * it the login is refused like a wrong password and audited as `one_time_password_expired`;
 * the admin sets a password through the mailed reset link instead (ADR 0004).
 */
export const ONE_TIME_PASSWORD_TTL_MS = 72 * 60 * 60 * 1000;
export const PASSWORD_RESET_MAX_FAILURES = 5;
