import { Problem } from '@ringfence/problems';
import { Principal } from '@ringfence/tenancy';
import { authorize } from './access-gate';

const admin = (role: 'owner' | 'admin' | 'auditor', extra: Partial<Extract<Principal, { kind: 'admin' }>> = {}): Principal => ({
  kind: 'admin',
  adminId: 'a1',
  role,
  sessionId: 's1',
  stage: 'full',
  secondFactorAt: null,
  ...extra,
});
const key = (...scopes: string[]): Principal => ({
  kind: 'api_key',
  keyId: 'k1',
  workspaceId: 'w1',
  scopes,
  environment: 'live',
  plan: 'standard',
  expiresAt: null,
});
const provider: Principal = { kind: 'provider', provider: 'p', workspaceId: 'w1', environment: 'live' };
/** A refusal of the given status (401: the uniform UNAUTHENTICATED; 403: a valid caller refused). */
const refusedWith = (status: 401 | 403) =>
  expect.objectContaining({ name: 'Problem', status, ...(status === 401 ? { code: 'UNAUTHENTICATED' } : {}) });

function codeOf(work: () => void): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof Problem && error.status === 403) return error.code;
    throw error;
  }
  return undefined;
}

describe('authorize (roles and scopes, for every authenticator)', () => {
  it('holds each caller of an admin-or-key route to its own terms', () => {
    const policy = { kind: 'admin_or_api_key', roles: ['auditor', 'owner'], scopes: ['audit:read'] } as const;
    expect(() => authorize(policy, admin('auditor'))).not.toThrow();
    expect(codeOf(() => authorize(policy, admin('admin')))).toBe('INSUFFICIENT_ROLE');
    expect(codeOf(() => authorize(policy, admin('owner', { stage: 'setup' })))).toBe('ACCOUNT_SETUP_REQUIRED');
    expect(() => authorize(policy, key('audit:read'))).not.toThrow();
    expect(codeOf(() => authorize(policy, key('vault:read')))).toBe('INSUFFICIENT_SCOPE');
    expect(() => authorize(policy, provider)).toThrow(refusedWith(401));
    expect(() => authorize(policy, { kind: 'anonymous' })).toThrow(refusedWith(401));
  });

  it('admits an admin holding one of the roles and refuses the others with 403 [V8.2.1]', () => {
    expect(() => authorize({ kind: 'admin', roles: ['owner', 'admin'] }, admin('admin'))).not.toThrow();
    expect(() => authorize({ kind: 'admin', roles: ['owner'] }, admin('admin'))).toThrow(refusedWith(403));
    expect(() => authorize({ kind: 'admin', roles: ['auditor', 'owner'] }, admin('admin'))).toThrow(refusedWith(403));
  });

  it('admits a session in setup only where the route allows it', () => {
    const setup = admin('owner', { stage: 'setup' });
    expect(codeOf(() => authorize({ kind: 'admin', roles: ['owner'] }, setup))).toBe('ACCOUNT_SETUP_REQUIRED');
    expect(() => authorize({ kind: 'admin', roles: ['owner'], duringSetup: true }, setup)).not.toThrow();
  });

  it('requires a second factor within five minutes on step-up routes', () => {
    const now = 1_700_000_000_000;
    const policy = { kind: 'admin', roles: ['owner'] } as const;
    expect(() => authorize(policy, admin('owner', { secondFactorAt: now - 60_000 }), { stepUp: true, now })).not.toThrow();
    expect(codeOf(() => authorize(policy, admin('owner', { secondFactorAt: now - 301_000 }), { stepUp: true, now }))).toBe(
      'STEP_UP_REQUIRED',
    );
    expect(() => authorize(policy, admin('owner'), { stepUp: true, now })).toThrow(refusedWith(403));
    expect(() => authorize(policy, admin('owner'), { now })).not.toThrow();
  });

  it('requires every scope of the route; an empty key scope list is the legacy wildcard [V8.2.1]', () => {
    const policy = { kind: 'api_key', scopes: ['vault:read', 'vault:reveal'] } as const;
    expect(() => authorize(policy, key('vault:read', 'vault:reveal', 'audit:read'))).not.toThrow();
    expect(() => authorize(policy, key())).not.toThrow();
    expect(() => authorize(policy, key('vault:read'))).toThrow(refusedWith(403));
    expect(() => authorize({ kind: 'api_key', scopes: [] }, key('audit:read'))).not.toThrow();
  });

  it('refuses a principal of the wrong kind as unauthenticated (401) [V8.2.1]', () => {
    expect(() => authorize({ kind: 'admin', roles: ['owner'] }, key())).toThrow(refusedWith(401));
    expect(() => authorize({ kind: 'api_key', scopes: [] }, admin('owner'))).toThrow(refusedWith(401));
    expect(() => authorize({ kind: 'provider' }, key())).toThrow(refusedWith(401));
    expect(() => authorize({ kind: 'provider' }, provider)).not.toThrow();
  });
});
