export {
  ACCESS_POLICY,
  accessConfig,
  AdminRoles,
  AdminRolesOrScopes,
  AnyAdmin,
  declaresAccess,
  mergeRouteConfig,
  ProviderSigned,
  Public,
  routeAccessOf,
  Scopes,
  STEP_UP,
  STEP_UP_WINDOW_MS,
  StepUp,
  type AccessPolicy,
  type RouteAccess,
} from './access-policy';
export { AccessGate, authorize } from './access-gate';
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
