export {
  ACCESS_POLICY,
  AdminRoles,
  AdminRolesOrScopes,
  AnyAdmin,
  ProviderSigned,
  Public,
  Scopes,
  STEP_UP,
  STEP_UP_WINDOW_MS,
  StepUp,
  type AccessPolicy,
} from './access-policy';
export { AccessGuard, callerOf, unauthenticated } from './access.guard';
export { AccessProblems } from './access.problems';
export { AuthModule } from './auth.module';
export { ADMIN_AUTHENTICATOR, API_KEY_AUTHENTICATOR, PROVIDER_AUTHENTICATOR, type Authenticator } from './authenticator';
export { SCOPES, isScope, type Scope } from './scopes';
export { ADMIN_IDENTITY_OPTIONS, type AdminIdentityOptions } from './admin-identity.options';
export { AdminIdentityModule } from './admin-identity.module';
export { AdminBootstrap } from './admins/admin-bootstrap';
export { AdminIdentityProblems } from './admin-identity.problems';
export { AdminSessions, type SessionTokens } from './sessions/admin-sessions';
export { type CreatedAdmin } from './admins/admin-management';
export { AttemptLimiter, type AttemptBudget } from './limits/attempt-limiter';
export { ClientIpLimit } from './limits/client-ip-limit';
export { SKIP_RATE_LIMITS, SkipRateLimits, skipsRateLimits, type LimitHit } from './limits/rate-limit.guard';
export { MemoryRateLimitStorage } from './limits/memory-rate-limit.storage';
export { catalogueProblems, DEFAULT_PLAN, DEFAULT_PLANS, PLAN_NAME, planLimitsOf, type PlanCatalogue, type PlanLimits } from './limits/rate-limit-plans';
export { LimitProblems } from './limits/limit.problems';
export { RATE_LIMIT_OPTIONS, type RateLimitOptions } from './limits/rate-limit.options';
export { RateLimitsModule } from './limits/rate-limits.module';
export { toThrottlerRecord, type ThrottlerStorageRecord } from './limits/sliding-window';
export { WorkspaceLimitGuard } from './limits/workspace-limit.guard';
export { ARGON2_PARAMETERS, PasswordHasher } from './passwords/password-hasher';
export { PasswordResets } from './password-reset/password-resets';
export { MAIL_TRANSPORT, type MailMessage, type MailTransport } from './password-reset/mail-transport';
export { AccessTokens, ACCESS_TOKEN_TYPE } from './tokens/access-tokens';
export { SigningKeys } from './tokens/signing-keys';
export { Totp } from './totp/totp';
export { API_KEY_PREFIXES, generateApiKey, parseApiKey, withChecksum, type ParsedApiKey } from './api-keys/api-key-format';
export { ApiKeyPeppers } from './api-keys/api-key-peppers';
export { ApiKeyAuthModule } from './api-keys/api-key-auth.module';
export { type ApiKeyAuthOptions } from './api-keys/api-key-auth.options';
export { API_KEY_FAILURE_MIN_MS, ApiKeyAuthenticator, type ApiKeyRefusal } from './api-keys/api-key.authenticator';
export { ApiKeyUsage } from './api-keys/api-key-usage';
export { KEY_REVOCATIONS, LocalKeyRevocations, parseKeyRevocation, type KeyRevocation, type KeyRevocations } from './api-keys/key-revocations';
