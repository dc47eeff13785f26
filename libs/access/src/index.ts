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
export { AccessGuard, authorize } from './access.guard';
export { AccessProblems } from './access.problems';
export { AccessModule } from './access.module';
export {
  ADMIN_AUTHENTICATOR,
  API_KEY_AUTHENTICATOR,
  PROVIDER_AUTHENTICATOR,
  REFUSED_REQUEST_LIMIT,
  type Authenticator,
  type RefusedRequestLimit,
} from './authenticator';
export { callerOf, unauthenticated } from './caller';
export { SCOPES, isScope, type Scope } from './scopes';
