import { environmentOf, Principal, workspaceIdOf } from './principal';
import { applySessionSettings } from './unit-of-work';

const admin: Principal = { kind: 'admin', adminId: 'a1', role: 'owner', sessionId: 's1', stage: 'full', secondFactorAt: null };
const key: Principal = {
  kind: 'api_key',
  keyId: 'K1',
  workspaceId: 'w1',
  scopes: [],
  environment: 'live',
  plan: 'standard',
  expiresAt: null,
};
const provider: Principal = { kind: 'provider', provider: 'fireblocks', workspaceId: 'w2', environment: 'test' };
const system: Principal = { kind: 'system', process: 'spec' };

/** The RLS settings a unit of work opens with, as the one statement sends them (values as literals). */
async function settingsFor(principal: Principal): Promise<Record<string, string>> {
  const sent: string[] = [];
  const query = <T>(sql: string): Promise<T> => {
    sent.push(sql);
    return Promise.resolve(undefined as T);
  };
  await applySessionSettings({ query }, principal, undefined, { begin: 'START TRANSACTION' });
  return Object.fromEntries([...sent[0]!.matchAll(/set_config\('([^']*)', '([^']*)', true\)/g)].map(([, name, value]) => [name!, value!]));
}

describe('principals: workspace and environment', () => {
  it('gives a workspace and an environment to keys and providers, and to nobody else', () => {
    expect([admin, key, provider, system, { kind: 'anonymous' } as const].map((who) => [workspaceIdOf(who), environmentOf(who)])).toEqual([
      [undefined, undefined],
      ['w1', 'live'],
      ['w2', 'test'],
      [undefined, undefined],
      [undefined, undefined],
    ]);
  });

  it('carries a provider’s environment into the RLS settings, as a key’s: it sees its own environment’s rows only', async () => {
    expect(await settingsFor(provider)).toEqual({
      'app.workspace_id': 'w2',
      'app.actor': 'provider:fireblocks',
      'app.platform': 'off',
      'app.environment': 'test',
    });
    expect(await settingsFor(key)).toEqual({
      'app.workspace_id': 'w1',
      'app.actor': 'api_key:K1',
      'app.platform': 'off',
      'app.environment': 'live',
    });
    expect(await settingsFor(admin)).toEqual({
      'app.workspace_id': '',
      'app.actor': 'admin:a1',
      'app.platform': 'on',
      'app.environment': '',
    });
  });
});
