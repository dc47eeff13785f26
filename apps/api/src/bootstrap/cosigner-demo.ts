import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditTrail, AuditWriter } from '@ringfence/audit';
import { Principal, UnitOfWork } from '@ringfence/tenancy';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { createApplication, shutdownApplication } from '../application';
import { loadConfig } from '../config/app-config';
import { SIMULATOR_PROVIDER } from '../cosigner/cosigner.options';
import { prepareDatabase, PreparedDatabase } from '../database/database-bootstrap';
import { createAppLogger } from '../logging/app-logger';
import { ProviderSimulator } from '../providers/simulator/provider-simulator';
import { hasOutcome, SimulatedTransaction } from '../providers/simulator/simulated-cosigner';
import { ApiKeysService } from '../workspaces/api-keys/api-keys.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { prepareSecretsDirectory } from './development-secrets';
import { freePort } from './free-port';
import { until } from './until';
import { DemoRow, demoTable, shortAddress } from './demo-table';
import { HeldTransfer, holdCapWindow } from './held-cap-window';

const DEMO: Principal = { kind: 'system', process: 'demo' };
const PAYEE = '0x52908400098527886E0F7030069857D2E4169EE7';
const BLOCKED = '0x000000000000000000000000000000000000dEaD';
const SOURCE = { type: 'VAULT_ACCOUNT', id: '0' };
/** The workspace's policy: a blocked address, then ETH up to 10 a transfer and 25 a day. */
const POLICY = {
  rules: [
    { name: 'blocked-destinations', action: 'REJECT', match: { destinations: [BLOCKED] } },
    {
      name: 'eth-treasury',
      action: 'APPROVE',
      match: { assets: ['ETH'], operations: ['TRANSFER'] },
      caps: { perTransactionMax: '10', window: { seconds: 86_400, maxSum: '25' } },
    },
  ],
};
/** How long the demo waits for one outcome at most. */
const WAIT_MS = 30_000;

export interface DemoOptions {
  /** Where the demo's lines go (stdout for `npm run demo`). */
  readonly write: (text: string) => void;
}

interface Scenario {
  readonly label: string;
  readonly transfer: HeldTransfer;
  readonly expected: DemoRow['expected'];
  /** Made at the provider by someone else: no transfer of ours names it. */
  readonly elsewhere?: boolean;
  /** Another decision holds its cap window when it is first asked about. */
  readonly held?: boolean;
}

const eth = (amount: string, address: string): HeldTransfer => ({
  asset: 'ETH',
  amount,
  source: SOURCE,
  destination: { type: 'ONE_TIME_ADDRESS', address },
});

const SCENARIOS: readonly Scenario[] = [
  {
    label: 'approved',
    transfer: eth('2.5', PAYEE),
    expected: { action: 'APPROVE', reason: 'rule_approved', retried: false, status: 'approved' },
  },
  {
    label: 'over the cap',
    transfer: eth('12', PAYEE),
    expected: { action: 'REJECT', reason: 'cap_per_transaction', retried: false, status: 'rejected' },
  },
  {
    label: 'blocked destination',
    transfer: eth('1', BLOCKED),
    expected: { action: 'REJECT', reason: 'rule_rejected', retried: false, status: 'rejected' },
  },
  {
    label: 'unknown (made at the provider)',
    transfer: eth('0.75', PAYEE),
    expected: { action: 'REJECT', reason: 'unknown_external_tx', retried: false },
    elsewhere: true,
  },
  {
    label: 'retried, then decided',
    transfer: eth('3', PAYEE),
    expected: { action: 'APPROVE', reason: 'rule_approved', retried: true, status: 'approved' },
    held: true,
  },
];

/**
 * `npm run demo`: the cosigner's loop end to end, in one process, on an embedded PostgreSQL
 * in a temporary directory (removed at the end; a developer's ./.data is never read or
 * written). It boots the app as `npm start` prepares it (development keys, the embedded
 * database, migrations), makes a workspace and an API key, activates a policy through the
 * API, and submits transfers through `POST /v1/transfers` that the provider simulator's
 * co-signer asks our callback about: one approved, one over a cap, one to a blocked
 * destination, one the provider made without us (unknown), and one answered RETRY while
 * another decision holds its cap window (COSIGNER_DECISION_TIMEOUT_MS is 1 s here), then
 * decided on the simulator's next call. Every answer is verified again with the public key
 * `GET /v1/cosigner/simulator/public-key` serves. Answers 0 when every transfer ended as
 * expected, else 1; the log is shown only when something failed.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { write } = options;
  const work = mkdtempSync(join(tmpdir(), 'ringfence-demo-'));
  // As a project checkout: the embedded server's user must pass through to its data.
  chmodSync(work, 0o711);
  const logs: string[] = [];
  let database: PreparedDatabase | undefined;
  let app: NestFastifyApplication | undefined;
  try {
    const config = loadConfig(
      {
        NODE_ENV: 'development',
        RINGFENCE_DATA_DIR: join(work, '.data'),
        EMBEDDED_PG_PORT: String(await freePort()),
        LOG_LEVEL: 'info',
        COSIGNER_PROVIDERS: SIMULATOR_PROVIDER,
        SIMULATOR_COSIGNER_ENABLED: 'true',
        // The table shows what the cosigner decided: the simulator's status webhooks would move approved transfers on to completed.
        SIMULATOR_WEBHOOKS_ENABLED: 'false',
        SIMULATOR_RETRY_INTERVAL_MS: '1000',
        COSIGNER_DECISION_TIMEOUT_MS: '1000',
      },
      work,
    );
    write(`Ringfence cosigner demo\n`);
    write(`  data: ${work} (temporary, removed at the end; ./.data is not touched)\n`);
    write(`  starting the embedded PostgreSQL on 127.0.0.1:${config.database.embeddedPort} and the app in this process…\n`);
    const logger = createAppLogger(config, { write: (line: string) => void logs.push(line) });
    prepareSecretsDirectory(config, logger);
    database = await prepareDatabase(config, logger);
    app = await createApplication({ config, databaseUrl: database.appUrl, logger });
    await app.getHttpAdapter().getInstance().ready();
    app.flushLogs();
    const booted = app;

    const { workspaceId, headers, keyId } = await workspaceAndKey(booted);
    write(`  workspace "Demo treasury" ${workspaceId}, API key ${keyId} (policies:read/write, transfers:read/write)\n`);
    const version = await activatePolicy(booted, headers);
    write(
      `  policy v${version} active: blocked-destinations (REJECT ${shortAddress(BLOCKED)}), eth-treasury (APPROVE ETH, ≤ 10 a transfer, 25 a day)\n`,
    );
    const publicKey = await booted.inject({ method: 'GET', url: `/v1/cosigner/${SIMULATOR_PROVIDER}/public-key` });
    const { publicKeyPem, kid } = publicKey.json<{ publicKeyPem: string; kid: string }>();
    write(
      `  the simulator's co-signer calls POST /v1/cosigner/${SIMULATOR_PROVIDER}/v2/tx_sign_request for each transaction it accepts\n\n`,
    );

    const simulator = booted.get(ProviderSimulator);
    const rows: DemoRow[] = [];
    for (const scenario of SCENARIOS) {
      const { transaction, status, rule } = await play(booted, simulator, headers, { workspaceId }, scenario);
      const answers = transaction.answers;
      const last = answers[answers.length - 1];
      // Every answer, verified again here with the key the public route serves (not the simulator's copy).
      const verified =
        answers.length > 0 &&
        answers.every(
          (answer) => answer.verified && answer.token !== undefined && verifies(answer.token, publicKeyPem, transaction.requestId),
        );
      rows.push({
        label: scenario.label,
        amount: `${scenario.transfer.amount} ${scenario.transfer.asset}`,
        destination: shortAddress(scenario.transfer.destination.address ?? scenario.transfer.destination.id ?? ''),
        expected: scenario.expected,
        seen: {
          ...(last?.action === undefined ? {} : { action: last.action }),
          ...(last?.rejectionReason !== undefined
            ? { reason: last.rejectionReason }
            : status?.reason !== undefined
              ? { reason: status.reason }
              : {}),
          retries: transaction.retries,
          verified,
          ...(status === undefined ? {} : { status: status.status }),
          rule,
        },
      });
    }
    const { text, failures } = demoTable(rows);
    write(`${text}\n\n`);
    write(`  every answer verified against GET /v1/cosigner/${SIMULATOR_PROVIDER}/public-key (kid ${kid}, RS256)\n`);
    if (failures.length > 0) {
      write(`\n  ✗ ${failures.length} expectation(s) failed:\n${failures.map((failure) => `    - ${failure}\n`).join('')}`);
      return 1;
    }
    write(`  ✓ ${rows.length} of ${rows.length} transfers ended as expected\n`);
    return 0;
  } catch (error) {
    write(`\n  ✗ the demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    write(`  its last log lines:\n${logs.slice(-20).join('')}`);
    return 1;
  } finally {
    if (app) await shutdownApplication(app).catch(() => undefined);
    if (database) await database.stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

/** A workspace and a key for it, made by the services as `system:demo` (as `admin:create` makes an admin), each with its audit row. */
async function workspaceAndKey(
  app: NestFastifyApplication,
): Promise<{ workspaceId: string; keyId: string; headers: Record<string, string> }> {
  const audited = <T>(action: string, work: () => Promise<T>) =>
    app.get(UnitOfWork).run(
      async () => {
        const result = await work();
        await app.get(AuditWriter).append({ action, outcome: 'success', ...app.get(AuditTrail).current() });
        return result;
      },
      { principal: DEMO },
    );
  const workspace = await audited('workspace.create', () => app.get(WorkspacesService).create({ name: 'Demo treasury' }));
  const key = await audited('api_key.create', () =>
    app.get(ApiKeysService).create(workspace.id, {
      name: 'demo integration',
      scopes: ['policies:read', 'policies:write', 'transfers:read', 'transfers:write'],
      environment: 'live',
    }),
  );
  return { workspaceId: workspace.id, keyId: key.id, headers: { authorization: `Bearer ${key.key}` } };
}

async function activatePolicy(app: NestFastifyApplication, headers: Record<string, string>): Promise<number> {
  const draft = await app.inject({ method: 'PUT', url: '/v1/policies/draft', headers, payload: { document: POLICY } });
  if (draft.statusCode !== 200) throw new Error(`the policy draft was refused: ${draft.statusCode} ${draft.body}`);
  const { version } = draft.json<{ version: number }>();
  const activated = await app.inject({ method: 'POST', url: `/v1/policies/versions/${version}/activate`, headers });
  if (activated.statusCode !== 200) throw new Error(`the policy was not activated: ${activated.statusCode} ${activated.body}`);
  return version;
}

/** One scenario: its transfer submitted (or made at the provider), and what the simulator and Ringfence recorded once it settled. */
async function play(
  app: NestFastifyApplication,
  simulator: ProviderSimulator,
  headers: Record<string, string>,
  owner: { workspaceId: string },
  scenario: Scenario,
): Promise<{ transaction: SimulatedTransaction; status?: { status: string; reason?: string }; rule: string | null }> {
  if (scenario.elsewhere) {
    const made = simulator.createFromConsole({ externalTxId: `console-payout-${Date.now()}`, ...scenario.transfer });
    return { transaction: await settled(simulator, made.externalTxId), rule: null };
  }
  const hold = scenario.held
    ? await holdCapWindow(app, { workspaceId: owner.workspaceId, environment: 'live' }, SIMULATOR_PROVIDER, scenario.transfer)
    : undefined;
  let transfer: { id: string; externalTxId: string };
  try {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/transfers',
      headers: { ...headers, 'idempotency-key': `demo-${scenario.label.replace(/\W+/g, '-')}-${Date.now()}` },
      payload: { ...scenario.transfer, note: `demo: ${scenario.label}` },
    });
    if (created.statusCode !== 201) throw new Error(`transfer "${scenario.label}" refused: ${created.statusCode} ${created.body}`);
    transfer = created.json<{ id: string; externalTxId: string }>();
    if (hold) {
      await until(
        `a RETRY for "${scenario.label}"`,
        () => simulator.transaction(transfer.externalTxId)?.retries ?? 0,
        (retries) => retries > 0,
        WAIT_MS,
      );
    }
  } finally {
    await hold?.release();
  }
  const transaction = await settled(simulator, transfer.externalTxId);
  const view = await until(
    `the decision of "${scenario.label}" at Ringfence`,
    async () =>
      (await app.inject({ method: 'GET', url: `/v1/transfers/${transfer.id}`, headers })).json<{
        status: string;
        decision: { reason: string; rule: string | null } | null;
      }>(),
    (answer) => answer.decision !== null,
    WAIT_MS,
  );
  return { transaction, status: { status: view.status, reason: view.decision!.reason }, rule: view.decision!.rule };
}

function settled(simulator: ProviderSimulator, externalTxId: string): Promise<SimulatedTransaction> {
  return until(
    `the simulator's outcome for ${externalTxId}`,
    () => simulator.transaction(externalTxId),
    hasOutcome,
    WAIT_MS,
  ) as Promise<SimulatedTransaction>;
}

/** Whether `token` is our RS256 answer about `requestId`, checked with the public key the route serves. */
function verifies(token: string, publicKeyPem: string, requestId: string): boolean {
  try {
    const claims = jwt.verify(token, publicKeyPem, { algorithms: ['RS256'] }) as { requestId?: unknown };
    return claims.requestId === requestId;
  } catch {
    return false;
  }
}
