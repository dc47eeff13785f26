import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { Principal } from '@ringfence/tenancy';
import { authorize } from './access.guard';

const admin = (role: 'owner' | 'admin' | 'auditor'): Principal => ({ kind: 'admin', adminId: 'a1', role });
const key = (...scopes: string[]): Principal => ({ kind: 'api_key', keyId: 'k1', workspaceId: 'w1', scopes, environment: 'live' });
const provider: Principal = { kind: 'provider', provider: 'p', workspaceId: 'w1' };

describe('authorize (roles and scopes, for every authenticator)', () => {
  it('admits an admin holding one of the roles and refuses the others with 403', () => {
    expect(() => authorize({ kind: 'admin', roles: ['owner', 'admin'] }, admin('admin'))).not.toThrow();
    expect(() => authorize({ kind: 'admin', roles: ['owner'] }, admin('admin'))).toThrow(ForbiddenException);
    expect(() => authorize({ kind: 'admin', roles: ['auditor', 'owner'] }, admin('admin'))).toThrow(ForbiddenException);
  });

  it('requires every scope of the route; an empty key scope list is the legacy wildcard', () => {
    const policy = { kind: 'api_key', scopes: ['vault:read', 'vault:reveal'] } as const;
    expect(() => authorize(policy, key('vault:read', 'vault:reveal', 'audit:read'))).not.toThrow();
    expect(() => authorize(policy, key())).not.toThrow();
    expect(() => authorize(policy, key('vault:read'))).toThrow(ForbiddenException);
    expect(() => authorize({ kind: 'api_key', scopes: [] }, key('audit:read'))).not.toThrow();
  });

  it('refuses a principal of the wrong kind as unauthenticated (401)', () => {
    expect(() => authorize({ kind: 'admin', roles: ['owner'] }, key())).toThrow(UnauthorizedException);
    expect(() => authorize({ kind: 'api_key', scopes: [] }, admin('owner'))).toThrow(UnauthorizedException);
    expect(() => authorize({ kind: 'provider' }, key())).toThrow(UnauthorizedException);
    expect(() => authorize({ kind: 'provider' }, provider)).not.toThrow();
  });
});
