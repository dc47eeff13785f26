import { SCOPES } from '@ringfence/access';
import { AuditTrail } from '@ringfence/audit';
import { RateLimitsModule } from '@ringfence/limits';
import { Problem } from '@ringfence/problems';
import { AdminRole, KeyEnvironment, Principal } from '@ringfence/tenancy';
import { randomUUID } from 'node:crypto';
import { ApiKeysService } from '../../apps/api/src/workspaces/api-keys/api-keys.service';
import { WorkspacesModule } from '../../apps/api/src/workspaces/workspaces.module';
import { WorkspacesService } from '../../apps/api/src/workspaces/workspaces.service';
import { useTestModule } from '../support/use-test-module';

const SYSTEM: Principal = { kind: 'system', process: 'grant-spec' };
const adminAs = (role: AdminRole): Principal => ({
  kind: 'admin',
  adminId: randomUUID(),
  role,
  sessionId: randomUUID(),
  stage: 'full',
  secondFactorAt: Date.now(),
});

/** What a refused call answers (a catalogued problem): its status and code, or 'granted'. */
async function outcomeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'granted';
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    return `${error.status} ${error.code}`;
  }
}

/**
 * The grant rule of ApiKeysService, at the service tier: nobody hands out through a key
 * more than they may do themselves, on create, rotate and revoke alike. Run against the
 * real tables (RLS, the key's workspace and environment) without HTTP; the e2e specs
 * (api-keys, api-key-scopes) keep proving the routes reach this service.
 */
describe('ApiKeysService: a key never grants more than it holds', () => {
  const m = useTestModule((config) => [RateLimitsModule.forRoot(config.rateLimits), WorkspacesModule.forRoot({ apiKeys: { cacheMs: 0 } })]);
  let workspaceId: string;
  let otherWorkspaceId: string;

  const keys = () => m.get(ApiKeysService);
  /** A key made by the system (no rule in the way), as the principal it would authenticate as. */
  async function keyPrincipal(
    scopes: string[],
    environment: KeyEnvironment = 'test',
    options: { expiresAt?: Date; workspace?: string } = {},
  ): Promise<Principal> {
    const workspace = options.workspace ?? workspaceId;
    const made = await m.as(SYSTEM, () =>
      keys().create(workspace, { name: 'caller', scopes: scopes.length ? scopes : ['vault:read'], environment, ...options }),
    );
    // A legacy wildcard key cannot be made any more: it is imported, as in the field.
    if (scopes.length === 0) await m.superuser.query(`UPDATE api_keys SET scopes = '{}' WHERE key_id = $1`, [made.id]);
    return {
      kind: 'api_key',
      keyId: made.id,
      workspaceId: workspace,
      scopes,
      environment,
      plan: 'standard',
      expiresAt: options.expiresAt?.getTime() ?? null,
    };
  }
  const create = (as: Principal, scopes: string[], environment: KeyEnvironment = 'test', workspace = workspaceId) =>
    outcomeOf(m.as(as, () => keys().create(workspace, { name: 'minted', scopes, environment })));
  const target = async (scopes: string[], environment: KeyEnvironment = 'test') =>
    (await m.as(SYSTEM, () => keys().create(workspaceId, { name: 'target', scopes, environment }))).id;
  const keysIn = async (): Promise<number> =>
    (await m.superuser.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE workspace_id = $1', [workspaceId])).rows[0]!.n;

  beforeAll(async () => {
    [workspaceId, otherWorkspaceId] = await m.as(SYSTEM, async () => [
      (await m.get(WorkspacesService).create({ name: 'grants' })).id,
      (await m.get(WorkspacesService).create({ name: 'elsewhere' })).id,
    ]);
  });

  describe('create', () => {
    it('lets the system and an owner grant any scope', async () => {
      for (const as of [SYSTEM, adminAs('owner')]) expect(await create(as, [...SCOPES])).toBe('granted');
    });

    it('lets an admin grant no scope its role may not use itself (audit:read, vault:reveal), and an auditor none', async () => {
      const admin = adminAs('admin');
      expect(await create(admin, ['vault:read', 'keys:manage'])).toBe('granted');
      for (const scopes of [['audit:read'], ['vault:reveal'], ['vault:read', 'vault:reveal']]) {
        expect({ scopes, outcome: await create(admin, scopes) }).toEqual({ scopes, outcome: '403 INSUFFICIENT_ROLE' });
      }
      expect(await create(adminAs('auditor'), ['vault:read'])).toBe('403 INSUFFICIENT_ROLE');
    });

    it('lets a key grant a subset of its own scopes, in its own environment, in its own workspace only', async () => {
      const manager = await keyPrincipal(['keys:manage', 'vault:read']);
      expect(await create(manager, ['vault:read'])).toBe('granted');
      expect(await create(manager, ['keys:manage', 'vault:read'])).toBe('granted');
      expect(await create(manager, ['vault:read', 'vault:reveal'])).toBe('403 INSUFFICIENT_SCOPE');
      expect(await create(manager, ['audit:read'])).toBe('403 INSUFFICIENT_SCOPE');
      // Another environment, another workspace: not found, as if they did not exist.
      expect(await create(manager, ['vault:read'], 'live')).toBe('404 NOT_FOUND');
      expect(await create(manager, ['vault:read'], 'test', otherWorkspaceId)).toBe('404 NOT_FOUND');
    });

    it('lets a legacy wildcard key grant any scope, and nobody make a new wildcard', async () => {
      const wildcard = await keyPrincipal([]);
      expect(await create(wildcard, [...SCOPES])).toBe('granted');
      for (const as of [SYSTEM, adminAs('owner'), wildcard]) expect(await create(as, [])).toBe('403 WILDCARD_KEY_REFUSED');
    });

    it('grants nothing to a caller that is neither an admin, a key nor the system', async () => {
      // An anonymous caller sees no workspace at all (RLS); a provider sees its own, and may mint nothing in it.
      expect(await create({ kind: 'anonymous' }, ['vault:read'])).toBe('404 NOT_FOUND');
      expect(await create({ kind: 'provider', provider: 'simulator', workspaceId, environment: 'test' }, ['vault:read'])).toBe(
        '403 FORBIDDEN',
      );
    });

    it('never makes a key that outlives the key making it', async () => {
      const expiresAt = new Date(Date.now() + 3600_000);
      const shortLived = await keyPrincipal(['keys:manage', 'vault:read'], 'test', { expiresAt });
      const later = new Date(Date.now() + 48 * 3600_000);
      expect(
        await outcomeOf(
          m.as(shortLived, () =>
            keys().create(workspaceId, { name: 'longer', scopes: ['vault:read'], environment: 'test', expiresAt: later }),
          ),
        ),
      ).toBe('403 EXPIRY_BEYOND_CALLER');
      const inherited = await m.as(shortLived, () =>
        keys().create(workspaceId, { name: 'inherits', scopes: ['vault:read'], environment: 'test' }),
      );
      expect(inherited.expiresAt).toBe(expiresAt.toISOString());
    });

    it('leaves nothing behind when refused, and records the key it made without the key', async () => {
      const before = await keysIn();
      expect(await create(adminAs('admin'), ['audit:read'])).toBe('403 INSUFFICIENT_ROLE');
      expect(await keysIn()).toBe(before);
      const recorded = await m.as(adminAs('owner'), async () => {
        const made = await keys().create(workspaceId, { name: 'recorded', scopes: ['audit:read'], environment: 'live' });
        return { made, change: m.get(AuditTrail).current() };
      });
      expect(recorded.change).toEqual({
        target: { type: 'api_key', id: recorded.made.id },
        workspaceId,
        environment: 'live',
        after: { workspaceId, name: 'recorded', scopes: ['audit:read'], environment: 'live', expiresAt: null },
      });
      expect(JSON.stringify(recorded.change)).not.toContain(recorded.made.key);
    });
  });

  describe('rotate', () => {
    const rotate = (as: Principal, keyId: string, environment?: KeyEnvironment) =>
      outcomeOf(m.as(as, () => keys().rotate(workspaceId, keyId, 0, environment)));

    it('mints the target’s scopes only for a caller that holds every one of them', async () => {
      const revealer = await target(['vault:reveal']);
      const narrow = await keyPrincipal(['keys:manage']);
      const before = await keysIn();
      expect(await rotate(narrow, revealer, 'test')).toBe('403 INSUFFICIENT_SCOPE');
      expect(await keysIn()).toBe(before);
      expect(await rotate(await keyPrincipal(['keys:manage', 'vault:reveal']), revealer, 'test')).toBe('granted');
    });

    it('rotates a legacy wildcard key for another wildcard key only', async () => {
      const wildcardTarget = await target(['vault:read']);
      await m.superuser.query(`UPDATE api_keys SET scopes = '{}' WHERE key_id = $1`, [wildcardTarget]);
      expect(await rotate(await keyPrincipal([...SCOPES]), wildcardTarget, 'test')).toBe('403 INSUFFICIENT_SCOPE');
      expect(await rotate(adminAs('admin'), wildcardTarget)).toBe('403 INSUFFICIENT_ROLE');
    });

    it('holds admins to their role, as on create', async () => {
      expect(await rotate(adminAs('admin'), await target(['vault:reveal']))).toBe('403 INSUFFICIENT_ROLE');
      expect(await rotate(adminAs('owner'), await target(['vault:reveal']))).toBe('granted');
    });
  });

  describe('revoke', () => {
    const revoke = (as: Principal, keyId: string, environment?: KeyEnvironment) =>
      outcomeOf(m.as(as, () => keys().revoke(workspaceId, keyId, environment)));

    it('lets a key switch off only the keys it could have made', async () => {
      const manager = await keyPrincipal(['keys:manage', 'vault:read']);
      expect(await revoke(manager, await target(['vault:reveal', 'vault:read']), 'test')).toBe('403 INSUFFICIENT_SCOPE');
      expect(await revoke(manager, await target(['vault:read']), 'test')).toBe('granted');
      expect(await revoke(manager, await target(['vault:read'], 'live'), 'test')).toBe('404 NOT_FOUND');
    });

    it('lets an admin revoke any key, whatever its role may grant', async () => {
      expect(await revoke(adminAs('admin'), await target(['vault:reveal', 'audit:read']))).toBe('granted');
    });
  });
});
