import type { Principal } from './principal';
import { applySessionSettings } from './unit-of-work';

/** The statement that opens a unit of work: START TRANSACTION and the RLS settings in one simple query. */
async function openingFor(principal: Principal, begin: 'START TRANSACTION' | 'START TRANSACTION READ ONLY'): Promise<[string, unknown]> {
  const sent: [string, unknown][] = [];
  const query = <T>(sql: string, parameters?: unknown[]): Promise<T> => {
    sent.push([sql, parameters]);
    return Promise.resolve(undefined as T);
  };
  await applySessionSettings({ query }, principal, { statementMs: 600_000 }, { begin });
  expect(sent).toHaveLength(1);
  return sent[0]!;
}

describe('the opening statement (docs/adr/0018-audited-mutation-speed.md)', () => {
  it('opens the transaction and sets every setting in one statement without parameters, values quoted as literals', async () => {
    const admin: Principal = { kind: 'admin', adminId: 'a1', role: 'owner', sessionId: 's1', stage: 'full', secondFactorAt: null };
    expect(await openingFor(admin, 'START TRANSACTION READ ONLY')).toEqual([
      "START TRANSACTION READ ONLY; SELECT set_config('app.workspace_id', '', true), set_config('app.actor', 'admin:a1', true), " +
        "set_config('app.platform', 'on', true), set_config('app.environment', '', true), set_config('statement_timeout', '600000', true)",
      undefined,
    ]);
  });

  it('quotes what it is given, quotes and backslashes included, and refuses a NUL (a simple query ends there) [V1.2.4]', async () => {
    const system = (process: string): Principal => ({ kind: 'system', process });
    const [sql] = await openingFor(system(`x'); DROP TABLE audit_log; --\\`), 'START TRANSACTION');
    expect(sql).toContain(`set_config('app.actor',  E'system:x''); DROP TABLE audit_log; --\\\\', true)`);
    await expect(openingFor(system('x\0y'), 'START TRANSACTION')).rejects.toThrow('NUL');
  });
});
