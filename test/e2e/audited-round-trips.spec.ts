import { Client } from 'pg';
import { TestAdmin } from '../support/admin-session';
import { useTestApp } from '../support/use-test-app';

/**
 * What an audited mutation sends the database (docs/adr/0018-audited-mutation-speed.md):
 * its transaction's statements, one line per round trip, on the connection that ran it.
 * The admin session check before it (its own read-only transaction, cached 1 s outside
 * the tests) is not part of the mutation's transaction and is left out.
 */
describe('an audited mutation, on the wire', () => {
  const t = useTestApp();
  let admin: TestAdmin;

  beforeAll(async () => {
    admin = await t.newAdmin('admin');
  });

  /** Every query the pool's clients send while `work` runs: the client and the statement's first words. */
  async function sent(work: () => Promise<unknown>): Promise<{ client: unknown; text: string }[]> {
    const calls: { client: unknown; text: string }[] = [];
    const prototype = Client.prototype as unknown as { query: (this: Client, ...args: unknown[]) => unknown };
    const query = prototype.query;
    prototype.query = function (this: Client, ...args: unknown[]) {
      const [config] = args as [string | { text: string }];
      calls.push({ client: this, text: (typeof config === 'string' ? config : config.text).replace(/\s+/g, ' ').trim() });
      return query.apply(this, args);
    };
    try {
      await work();
    } finally {
      prototype.query = query;
    }
    return calls;
  }

  /** The transaction that sent `statement`: from its START TRANSACTION to its COMMIT, on its connection (40 characters a line). */
  function transactionOf(calls: { client: unknown; text: string }[], statement: string): string[] {
    const mutation = calls.find((call) => call.text.startsWith(statement))?.client;
    const texts = calls.filter((call) => call.client === mutation).map((call) => call.text);
    const at = texts.findIndex((text) => text.startsWith(statement));
    const begin = texts.slice(0, at).findLastIndex((text) => text.startsWith('START TRANSACTION'));
    const end = texts.indexOf('COMMIT', at);
    return texts.slice(begin, end + 1).map((text) => text.slice(0, 40));
  }

  it('PATCH /v1/admin/workspaces/:id: the settings with BEGIN, the update with its before-image, the audit row, COMMIT', async () => {
    const workspace = await t.newWorkspace();
    const calls = await sent(async () => {
      const response = await t.app.inject({
        method: 'PATCH',
        url: `/v1/admin/workspaces/${workspace.id}`,
        headers: { ...admin.headers, 'x-request-id': 'req-round-trips' },
        payload: { name: 'Renamed on the wire' },
      });
      expect(response.statusCode).toBe(200);
    });
    expect(transactionOf(calls, 'UPDATE workspaces')).toEqual([
      "START TRANSACTION; SELECT set_config('ap",
      'UPDATE workspaces w SET name = coalesce(',
      'INSERT INTO audit_log (workspace_id, act',
      'COMMIT',
    ]);
    const { rows } = await t.superuser.query(`SELECT action, before, after FROM audit_log WHERE client_request_id = 'req-round-trips'`);
    expect(rows).toEqual([
      {
        action: 'workspace.update',
        before: { name: workspace.name, plan: workspace.plan, allowedOrigins: workspace.allowedOrigins },
        after: { name: 'Renamed on the wire', plan: workspace.plan, allowedOrigins: workspace.allowedOrigins },
      },
    ]);
  });
});
