import { randomUUID } from 'node:crypto';
import { TransfersService } from '../../apps/api/src/cosigner/transfers/transfers.service';
import { CustodyProviderRefusal } from '../../apps/api/src/providers/custody-provider';
import { ProviderSimulator } from '../../apps/api/src/providers/simulator/provider-simulator';
import { expectAuditRow, expectAuditRows, expectProblem } from '../support/assertions';
import { submitTransfer } from '../support/cosigner';
import { useTestApp } from '../support/use-test-app';

const BODY = {
  asset: 'ETH',
  amount: '1.5',
  source: { type: 'VAULT', id: '0' },
  destination: { address: '0x00000000000000000000000000000000000000aa' },
};

describe('transfers (/v1/transfers)', () => {
  const t = useTestApp();

  const post = (headers: Record<string, string>, payload: unknown, idempotencyKey?: string) =>
    t.inject({
      method: 'POST',
      url: '/v1/transfers',
      headers: { ...headers, ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) },
      payload: payload as Record<string, unknown>,
    });

  it('records a transfer once per Idempotency-Key, replays its answer, and refuses the key for another body', async () => {
    const key = await t.newKey({ scopes: ['transfers:read', 'transfers:write'] });
    expectProblem(await post(key.headers, BODY), 400, 'IDEMPOTENCY_KEY_REQUIRED');
    const idempotencyKey = randomUUID();
    const first = await post(key.headers, BODY, idempotencyKey);
    expect(first.statusCode).toBe(201);
    const transfer = first.json();
    expect(transfer).toMatchObject({
      externalTxId: `${key.workspaceId}:live:${idempotencyKey}`,
      status: 'submitted',
      provider: 'simulator',
      asset: 'ETH',
      amount: '1.5',
      destination: { type: 'ONE_TIME_ADDRESS', address: BODY.destination.address },
      decision: null,
    });
    const again = await post(key.headers, BODY, idempotencyKey);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expectProblem(await post(key.headers, { ...BODY, amount: '2' }, idempotencyKey), 422, 'IDEMPOTENCY_KEY_REUSED');
    await expectAuditRows(t.superuser, { action: 'transfer.create', target: { type: 'transfer', id: transfer.id } }, 1);
    const { rows } = await t.superuser.query(`SELECT count(*)::int AS n FROM transfers WHERE workspace_id = $1`, [key.workspaceId]);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('refuses amounts that are not exact decimals, a destination that is both or neither, and an unknown provider [V2.2.1 V2.2.2 V2.2.3]', async () => {
    const key = await t.newKey({ scopes: ['transfers:write'] });
    const refused = async (payload: Record<string, unknown>, field: string) => {
      const problem = expectProblem(await post(key.headers, payload, randomUUID()), 400, 'VALIDATION_FAILED');
      expect((problem['errors'] as { field: string }[]).map((error) => error.field)).toContain(field);
    };
    for (const amount of ['1e3', '-1', '01', '1.', '.5', 1.5, '1'.repeat(81)]) await refused({ ...BODY, amount }, 'amount');
    await refused({ ...BODY, amount: `0.${'1'.repeat(40)}` }, 'amount');
    await refused({ ...BODY, destination: { id: 'w1', address: '0xaa' } }, 'destination');
    await refused({ ...BODY, destination: {} }, 'destination');
    await refused({ ...BODY, provider: 'acme' }, 'provider');
    await refused({ ...BODY, asset: 'E T H' }, 'asset');
    const { rows } = await t.superuser.query(`SELECT count(*)::int AS n FROM transfers WHERE workspace_id = $1`, [key.workspaceId]);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('records what the provider answered as that provider, within the schema’s rules: its transaction id (pending), or its refusal (failed)', async () => {
    const key = await t.newKey({ scopes: ['transfers:read', 'transfers:write'] });
    // The submission runs after the request's commit; its promise is what the test waits for.
    const submissions = jest.spyOn(t.app.get(TransfersService), 'submit');
    const provider = jest.spyOn(t.app.get(ProviderSimulator), 'submitTransfer');
    try {
      const taken = await submitTransfer(t, key);
      await submissions.mock.results[0]!.value;
      provider.mockRejectedValueOnce(new CustodyProviderRefusal('unknown_asset'));
      const refused = await submitTransfer(t, key);
      await submissions.mock.results[1]!.value;
      const { rows } = await t.superuser.query(
        `SELECT id, status, provider_tx_id LIKE 'sim-%' AS provider_tx_id, reason, decided_at FROM transfers WHERE workspace_id = $1 ORDER BY status DESC`,
        [key.workspaceId],
      );
      expect(rows).toEqual([
        { id: taken.id, status: 'pending', provider_tx_id: true, reason: null, decided_at: null },
        { id: refused.id, status: 'failed', provider_tx_id: null, reason: 'provider_refused:unknown_asset', decided_at: null },
      ]);
      await expectAuditRow(t.superuser, {
        action: 'transfer.fail',
        actor: { type: 'provider', id: 'simulator' },
        target: { type: 'transfer', id: refused.id },
        reason: 'provider_refused:unknown_asset',
      });
    } finally {
      submissions.mockRestore();
      provider.mockRestore();
    }
  });

  it('lists a key its own environment’s transfers, newest first, page by page; another workspace sees none [V8.2.2 API1:2023]', async () => {
    const key = await t.newKey({ scopes: ['transfers:read', 'transfers:write'] });
    const testKey = await t.newKey({ scopes: ['transfers:read', 'transfers:write'], environment: 'test', workspace: key.workspaceId });
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await submitTransfer(t, key, { amount: String(i + 1) }));
    await submitTransfer(t, testKey);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (
        await t.inject({ method: 'GET', url: `/v1/transfers?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: key.headers })
      ).json();
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(made.map((transfer) => transfer.id).reverse());
    // Transfers made within one millisecond (microseconds apart) are neither skipped nor repeated across pages.
    for (const [index, transfer] of made.entries()) {
      await t.superuser.query(
        `UPDATE transfers SET created_at = '2026-01-01 00:00:00.0001+00'::timestamptz + make_interval(secs => $2 / 1000000.0) WHERE id = $1`,
        [transfer.id, index],
      );
    }
    const oneByOne: string[] = [];
    cursor = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (
        await t.inject({ method: 'GET', url: `/v1/transfers?limit=1${cursor ? `&cursor=${cursor}` : ''}`, headers: key.headers })
      ).json();
      oneByOne.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(oneByOne).toEqual(made.map((transfer) => transfer.id).reverse());
    expect((await t.inject({ method: 'GET', url: '/v1/transfers', headers: testKey.headers })).json().items).toHaveLength(1);
    expectProblem(await t.inject({ method: 'GET', url: '/v1/transfers?cursor=bm9wZQ', headers: key.headers }), 400, 'VALIDATION_FAILED');
    const stranger = await t.newKey({ scopes: ['transfers:read'] });
    expect((await t.inject({ method: 'GET', url: '/v1/transfers', headers: stranger.headers })).json().items).toEqual([]);
    expectProblem(await t.inject({ method: 'GET', url: `/v1/transfers/${made[0]!.id}`, headers: stranger.headers }), 404, 'NOT_FOUND');
    expectProblem(await post(stranger.headers, BODY, randomUUID()), 403, 'INSUFFICIENT_SCOPE');
  });
});
