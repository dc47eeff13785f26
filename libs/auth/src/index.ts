export { ACCESS_POLICY, AdminRoles, ProviderSigned, Public, Scopes, type AccessPolicy } from './access-policy';
export { AccessGuard, unauthenticated } from './access.guard';
export { AuthModule } from './auth.module';
export { ADMIN_AUTHENTICATOR, API_KEY_AUTHENTICATOR, PROVIDER_AUTHENTICATOR, type Authenticator } from './authenticator';
export { SCOPES, isScope, type Scope } from './scopes';
