import { randomBytes, randomUUID } from 'node:crypto';
import { expectAuditRow, expectProblem } from '../support/assertions';
import { TestKey } from '../support/api-key';
import { useTestApp } from '../support/use-test-app';
import { loopbackSinks, startWebhookSink, WebhookSink } from '../support/webhook-sink';

interface Line {
  resource?: string;
  data?: Record<string, unknown>;
  format?: string;
  version?: number;
  workspaceId?: string;
  end?: boolean;
  counts?: Record<string, number>;
}

/** What each seeded workspace holds, per environment, and the secret material that must never leave. */
interface Seeded {
  workspaceId: string;
  keys: TestKey[];
  vaultValues: string[];
  /** The webhook secrets the endpoints' routes showed once. */
  webhookSecrets: string[];
  sealed: Buffer[];
}

/**
 * A workspace's data, exported (docs/adr/0028-workspace-export.md): the owner with a fresh
 * second factor streams every resource of one workspace, both environments, and nothing of
 * another, and no secret material at all; every other caller is refused.
 */
describe('POST /v1/admin/workspaces/:id/export', () => {
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink();
  });
  afterAll(() => sink.close());
  const t = useTestApp({ configure: (config) => loopbackSinks(config, [sink.port]) });

  /** Every kind of row, in both environments: keys and vault secrets through their routes, the rest as their services leave them. */
  async function seed(): Promise<Seeded> {
    const workspace = await t.newWorkspace();
    const seeded: Seeded = { workspaceId: workspace.id, keys: [], vaultValues: [], webhookSecrets: [], sealed: [] };
    for (const environment of ['live', 'test'] as const) {
      const key = await t.newKey({ workspace: workspace.id, environment, scopes: ['vault:write', 'webhooks:write'] });
      seeded.keys.push(key);
      // An endpoint through its route, for its secret as shown once (on an event type nothing here sends).
      const routed = await t.inject({
        method: 'POST',
        url: '/v1/webhooks/endpoints',
        headers: key.headers,
        payload: { url: sink.url(), eventTypes: ['transfer.rejected'] },
      });
      expect(routed.statusCode).toBe(201);
      seeded.webhookSecrets.push(routed.json<{ secret: string }>().secret);
      const value = `vault-plaintext-${randomBytes(12).toString('hex')}`;
      seeded.vaultValues.push(value);
      const created = await t.inject({
        method: 'POST',
        url: '/v1/vault/secrets',
        headers: key.headers,
        payload: { name: 'custody.api', value },
      });
      expect(created.statusCode).toBe(201);
      await t.superuser.query(
        `INSERT INTO policy_versions (workspace_id, environment, version, document, state, created_by) VALUES ($1, $2, 1, '{"rules": []}', 'draft', 'test')`,
        [workspace.id, environment],
      );
      const [transfer] = (
        await t.superuser.query<{ id: string }>(
          `INSERT INTO transfers (workspace_id, environment, idempotency_key, external_tx_id, provider, asset, amount, source, destination, status, created_by)
           VALUES ($1::uuid, $2, $3, $1::text || ':' || $2 || ':' || $3, 'simulator', 'ETH', '1.5', '{"type": "vault"}', '{"type": "address"}', 'submitted', 'test')
           RETURNING id`,
          [workspace.id, environment, randomUUID()],
        )
      ).rows;
      await t.superuser.query(
        `INSERT INTO cosigner_requests (provider, request_id, kind, workspace_id, environment, payload_sha256, transfer_id, state, action, answer, decided_at)
         VALUES ('simulator', $1, 'tx_sign', $2, $3, $4, $5, 'final', 'APPROVE', 'approved', now())`,
        [randomUUID(), workspace.id, environment, randomBytes(32), transfer!.id],
      );
      const sealed = randomBytes(48);
      const sealedPrevious = randomBytes(48);
      seeded.sealed.push(sealed, sealedPrevious);
      const [endpoint] = (
        await t.superuser.query<{ id: string }>(
          `INSERT INTO webhook_endpoints (workspace_id, environment, url, event_types, sealed_secret, secret_version, sealed_previous_secret, previous_secret_expires_at)
           VALUES ($1, $2, 'https://hooks.example.com/in', '{policy.activated}', $3, 2, $4, now() + interval '1 day') RETURNING id`,
          [workspace.id, environment, sealed, sealedPrevious],
        )
      ).rows;
      const [event] = (
        await t.superuser.query<{ id: string }>(
          `INSERT INTO domain_events (workspace_id, environment, type, payload) VALUES ($1, $2, 'transfer.approved', '{"version": 1}') RETURNING id`,
          [workspace.id, environment],
        )
      ).rows;
      const [delivery] = (
        await t.superuser.query<{ id: string }>(
          `INSERT INTO webhook_deliveries (endpoint_id, workspace_id, environment, event_id, event_type, occurred_at, payload, status, attempts, finished_at)
           VALUES ($1, $2, $3, $4, 'transfer.approved', now(), '{"version": 1}', 'done', 1, now()) RETURNING id`,
          [endpoint!.id, workspace.id, environment, event!.id],
        )
      ).rows;
      await t.superuser.query(
        `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, workspace_id, environment, started_at, latency_ms, status_code)
         VALUES ($1, 1, $2, $3, now(), 12, 200)`,
        [delivery!.id, workspace.id, environment],
      );
    }
    return seeded;
  }

  const exportOf = (workspaceId: string, headers: Record<string, string>) =>
    t.inject({ method: 'POST', url: `/v1/admin/workspaces/${workspaceId}/export`, headers });

  const parse = (body: string): Line[] =>
    body
      .split('\n')
      .filter((text) => text !== '')
      .map((text) => JSON.parse(text) as Line);

  it('streams every resource of this workspace only, both environments, with no secret material, audited with counts [V5.4.1]', async () => {
    const owner = await t.newAdmin('owner');
    const mine = await seed();
    const other = await seed();
    const response = await exportOf(mine.workspaceId, owner.headers);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(response.headers['content-disposition']).toBe(`attachment; filename="workspace-${mine.workspaceId}-export.ndjson"`);
    expect(response.headers['cache-control']).toBe('no-store');

    const lines = parse(response.body);
    expect(lines[0]).toMatchObject({ format: 'ringfence.workspace-export', version: 1, workspaceId: mine.workspaceId });
    const last = lines.at(-1)!;
    expect(last.end).toBe(true);
    const rows = lines.slice(1, -1);
    const byResource = (resource: string) => rows.filter((line) => line.resource === resource).map((line) => line.data!);
    // The seeded events go to no endpoint (none subscribes to them): the deliveries are the seeded ones.
    const expected = {
      workspace: 1,
      api_key: 2,
      policy_version: 2,
      transfer: 2,
      transfer_decision: 2,
      vault_secret: 2,
      webhook_endpoint: 4,
      webhook_delivery: 2,
      webhook_delivery_attempt: 2,
    };
    for (const [resource, count] of Object.entries(expected)) expect([resource, byResource(resource).length]).toEqual([resource, count]);
    expect(last.counts).toMatchObject(expected);
    expect(last.counts!.audit_event).toBe(byResource('audit_event').length);
    expect(byResource('audit_event').length).toBeGreaterThan(0);
    expect(Object.keys(last.counts!).sort()).toEqual([...Object.keys(expected), 'audit_event'].sort());
    expect(rows.every((line) => typeof line.resource === 'string')).toBe(true);
    // The vault's metadata, read as the exporter (migration 0020): one secret per environment, no value.
    expect(
      byResource('vault_secret')
        .map(({ id, ...metadata }) => [typeof id, metadata])
        .sort((x, y) =>
          String((x[1] as { environment: string }).environment).localeCompare(String((y[1] as { environment: string }).environment)),
        ),
    ).toEqual(
      ['live', 'test'].map((environment) => [
        'string',
        {
          environment,
          name: 'custody.api',
          description: null,
          currentVersion: 1,
          createdAt: expect.any(String) as string,
          createdBy: expect.stringMatching(/^api_key:/) as string,
          updatedAt: expect.any(String) as string,
        },
      ]),
    );

    // Both environments; this workspace's rows only.
    expect(new Set(byResource('api_key').map((key) => key.environment))).toEqual(new Set(['live', 'test']));
    expect(byResource('workspace')[0]).toMatchObject({ id: mine.workspaceId });
    expect(response.body).not.toContain(other.workspaceId);
    for (const key of other.keys) expect(response.body).not.toContain(key.id);
    for (const key of mine.keys) expect(byResource('api_key').map((row) => row.keyId)).toContain(key.id);
    for (const data of rows.filter((line) => line.resource !== 'workspace').map((line) => line.data!)) {
      if ('workspaceId' in data) expect(data.workspaceId).toBe(mine.workspaceId);
    }

    // No secret material: keys, their hashes, vault values and ciphertexts, webhook secrets sealed or not.
    const secrets: string[] = [...mine.vaultValues, ...other.vaultValues, ...mine.webhookSecrets, ...other.webhookSecrets];
    expect(mine.webhookSecrets.every((secret) => secret.startsWith('whsec_'))).toBe(true);
    for (const key of [...mine.keys, ...other.keys]) {
      secrets.push(key.key);
      const { rows: hashes } = await t.superuser.query<{ secret_hash: Buffer }>(`SELECT secret_hash FROM api_keys WHERE key_id = $1`, [
        key.id,
      ]);
      secrets.push(hashes[0]!.secret_hash.toString('hex'), hashes[0]!.secret_hash.toString('base64'));
    }
    const { rows: ciphertexts } = await t.superuser.query<{ sealed_value: Buffer }>(
      `SELECT sealed_value FROM vault_secret_versions WHERE workspace_id = ANY($1)`,
      [[mine.workspaceId, other.workspaceId]],
    );
    expect(ciphertexts).toHaveLength(4);
    const { rows: sealedSecrets } = await t.superuser.query<{ sealed_secret: Buffer }>(
      `SELECT sealed_secret FROM webhook_endpoints WHERE workspace_id = ANY($1)`,
      [[mine.workspaceId, other.workspaceId]],
    );
    expect(sealedSecrets).toHaveLength(8);
    for (const bytes of [
      ...ciphertexts.map((row) => row.sealed_value),
      ...sealedSecrets.map((row) => row.sealed_secret),
      ...mine.sealed,
      ...other.sealed,
    ]) {
      secrets.push(bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url'));
    }
    for (const secret of secrets) expect(response.body).not.toContain(secret);
    for (const line of rows) {
      expect(line.data).not.toHaveProperty('secretHash');
      expect(line.data).not.toHaveProperty('sealedValue');
      expect(line.data).not.toHaveProperty('sealedSecret');
      expect(line.data).not.toHaveProperty('sealedPreviousSecret');
      expect(line.data).not.toHaveProperty('payloadSha256');
    }

    // Audited: who, which workspace, how many of each, never the data.
    const audit = await expectAuditRow(t.superuser, {
      action: 'workspace.export',
      actor: { type: 'admin', id: owner.id },
      target: { type: 'workspace', id: mine.workspaceId },
      workspaceId: mine.workspaceId,
      outcome: 'success',
    });
    // Every count but the vault's, which only the export's own reader sees (ADR 0028); the trailer has it.
    const { vault_secret: _vault, ...auditedCounts } = expected;
    expect(audit.after).toEqual({ counts: expect.objectContaining(auditedCounts) as unknown });
    expect((audit.after as { counts: Record<string, number> }).counts).not.toHaveProperty('vault_secret');
    expect(JSON.stringify(audit)).not.toContain('custody.api');
  });

  it('reads keyset pages: more rows than a page, each once', async () => {
    const owner = await t.newAdmin('owner');
    const workspace = await t.newWorkspace();
    await t.superuser.query(
      `INSERT INTO transfers (workspace_id, environment, idempotency_key, external_tx_id, provider, asset, amount, source, destination, status, created_by)
       SELECT $1::uuid, 'live', n::text, $1::text || ':live:' || n, 'simulator', 'ETH', '1', '{}', '{}', 'submitted', 'test' FROM generate_series(1, 1203) AS n`,
      [workspace.id],
    );
    const lines = parse((await exportOf(workspace.id, owner.headers)).body);
    const keys = lines.filter((line) => line.resource === 'transfer').map((line) => line.data!.idempotencyKey as string);
    expect(keys).toHaveLength(1203);
    expect(new Set(keys).size).toBe(1203);
    expect(lines.at(-1)!.counts!.transfer).toBe(1203);
  });

  it('refuses every caller but an owner with a fresh second factor, and an unknown or deleted workspace [V7.5.3]', async () => {
    const workspace = await t.newWorkspace();
    const admin = await t.newAdmin('admin');
    const auditor = await t.newAdmin('auditor');
    expectProblem(await exportOf(workspace.id, admin.headers), 403, 'INSUFFICIENT_ROLE');
    expectProblem(await exportOf(workspace.id, auditor.headers), 403, 'INSUFFICIENT_ROLE');
    const key = await t.newKey({ workspace: workspace.id, scopes: ['audit:read'] });
    expect((await exportOf(workspace.id, key.headers)).statusCode).toBe(401);

    const owner = await t.newAdmin('owner');
    expectProblem(await exportOf(randomUUID(), owner.headers), 404, 'NOT_FOUND');
    await t.superuser.query(`UPDATE workspaces SET status = 'deleted', deleted_at = now() WHERE id = $1`, [workspace.id]);
    expectProblem(await exportOf(workspace.id, owner.headers), 404, 'NOT_FOUND');
    const { rows: refused } = await t.superuser.query(`SELECT 1 FROM audit_log WHERE action = 'workspace.export' AND workspace_id = $1`, [
      workspace.id,
    ]);
    expect(refused).toHaveLength(0);

    const stale = await t.newAdmin('owner');
    const live = await t.newWorkspace();
    await t.superuser.query(`UPDATE admin_sessions SET second_factor_at = now() - interval '6 minutes' WHERE id = $1`, [
      stale.session.sessionId,
    ]);
    expectProblem(await exportOf(live.id, stale.headers), 403, 'STEP_UP_REQUIRED');
    const { rows } = await t.superuser.query(`SELECT 1 FROM audit_log WHERE action = 'workspace.export' AND workspace_id = $1`, [live.id]);
    expect(rows).toHaveLength(0);
  });
});

describe('POST /v1/admin/workspaces/:id/export, as many at once as the pool has connections', () => {
  const t = useTestApp({ env: { DATABASE_POOL_SIZE: '3' } });

  it('serves them all, one connection each at a time, and every other request meanwhile [API4:2023]', async () => {
    const owner = await t.newAdmin('owner');
    const workspace = await t.newWorkspace();
    const exportOnce = () => t.inject({ method: 'POST', url: `/v1/admin/workspaces/${workspace.id}/export`, headers: owner.headers });
    const [exports, bystander] = await Promise.all([
      Promise.all(Array.from({ length: 6 }, exportOnce)),
      t.inject({ method: 'GET', url: '/v1/admin/workspaces', headers: owner.headers }),
    ]);
    expect(exports.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(bystander.statusCode).toBe(200);
    const { rows } = await t.superuser.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM audit_log WHERE action = 'workspace.export' AND target_id = $1`,
      [workspace.id],
    );
    expect(rows[0]!.count).toBe(6);
  });
});
