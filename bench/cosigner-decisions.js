'use strict';
// Issue 15: the cosigner's decisions under load, in one run, on the bench app's own
// embedded PostgreSQL (docs/adr/0019, "Decisions under load"):
// (a) decisions/s: signed callbacks, pre-signed before the timed part (RS256 with the
//     simulator's co-signer key, each with its own requestId and naming its own transfer),
//     against a 20-rule policy with caps, at the bench's connections and duration, beside the
//     audited PATCH of issue 14 measured before and after them (their mean is the baseline);
// (b) duplicates: one decided callback replayed (its stored answer), beside bare Fastify;
// (c) where the CPU goes: the app's, PostgreSQL's and the machine's CPU per request during
//     each measurement (/proc), RSA's cost per operation measured in this process times the
//     rate, and the decision's transaction through pg directly (the same statements, as the
//     app role, from a pool of the app's size at the same concurrency).
// The transfers are written as the superuser (status submitted, provider simulator), not
// through POST /v1/transfers: no provider loop may decide a transfer of the bench's.
const { generateKeyPairSync, randomUUID } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');
const { Worker } = require('node:worker_threads');
const jwt = require('jsonwebtoken');
const { drive } = require('./audited-mutation');
const { newWorkspaces, patchRequests } = require('./audit-ring');
const { msPer } = require('./cosigner-policy');
const pgStatements = require('./pg-statements');
const { cpuSnapshot, since } = require('./process-cpu');
const { appRolePool, call, superuser } = require('./support');

const DECISIONS_TARGET = 1.0;
const DUPLICATES_TARGET = 0.3;
const POOL_SIZE = Number(process.env.DATABASE_POOL_SIZE ?? 10);
/** The most decisions per second the pre-signed pool is sized for (the issue's moonshot is 1,000/s); a faster run fails, never replays. */
const MAX_RATE = Number(process.env.BENCH_DECISIONS_RATE ?? 1500);
/** The same for the transaction through pg directly, which signs nothing. */
const CEILING_MAX_RATE = Number(process.env.BENCH_DECISIONS_CEILING_RATE ?? 4000);
/** run.js's measure: a 2 s warm-up, then the measurement, both drawing on the pool. */
const WARM_UP_SECONDS = 2;
/** Answers whose signature is verified with our public key after the run. */
const VERIFIED_SAMPLE = 200;
const CALLBACK_PATH = '/v1/cosigner/simulator/v2/tx_sign_request';

// ---------------------------------------------------------------------------------------
// The policy: 20 rules, the first match decides. Twelve windows (seven capped APPROVE rules,
// per asset) carry the bench's traffic; the other rules are what a custody team writes
// beside them (refusals first, internal moves, time-of-day and contract rules, a default
// deny), and every request walks the rules before its own.

/** An EVM address: `tag` (hex) then `i`, 40 hex digits in all. */
const evm = (tag, i) => `0x${tag}${i.toString(16).padStart(40 - tag.length, '0')}`;
const list = (count, make) => Array.from({ length: count }, (_, i) => make(i));
const SANCTIONED = list(3, (i) => evm('bad', i));
const EXCHANGES = list(24, (i) => evm('e0', i));
const BTC_EXCHANGES = list(8, (i) => `bc1qexchange${String(i).padStart(30, '0')}`);
const PAYROLL = list(300, (i) => evm('ca11', i));
const SOL_MARKET_MAKERS = list(5, (i) => `MarketMaker${i}So11111111111111111111111111`);
const OPERATIONS = list(12, (i) => evm('0b5', i));
const SETTLEMENTS = list(40, (i) => evm('5e7', i));
const COLD = list(6, (i) => evm('c01d', i));
const STAKING = list(2, (i) => evm('57a', i));
const DEFI = list(10, (i) => evm('def1', i));
const OTC_DESKS = list(4, (i) => `bc1qotcdesk${String(i).padStart(31, '0')}`);
const DAY = 86400;

const POLICY = {
  rules: [
    { name: 'sanctioned-destinations', action: 'REJECT', match: { destinations: SANCTIONED } },
    { name: 'no-supply-changes', action: 'REJECT', match: { operations: ['MINT', 'BURN'] } },
    { name: 'no-raw-signing', action: 'REJECT', match: { operations: ['RAW', 'TYPED_MESSAGE'] } },
    {
      name: 'no-contract-calls-at-night',
      action: 'REJECT',
      match: { operations: ['CONTRACT_CALL'], timeOfDay: { from: '20:00', to: '06:00' } },
    },
    { name: 'above-hard-ceiling', action: 'REJECT', match: { amount: { min: '1000000' } } },
    { name: 'large-stablecoins-need-review', action: 'REJECT', match: { assets: ['USDC', 'USDT', 'EURC'], amount: { min: '250000' } } },
    {
      name: 'exchange-eth',
      action: 'APPROVE',
      match: {
        operations: ['TRANSFER'],
        assets: ['ETH'],
        amount: { max: '200' },
        sources: [{ type: 'VAULT_ACCOUNT' }],
        destinations: EXCHANGES,
      },
      caps: { perTransactionMax: '200', window: { seconds: DAY, maxSum: '20000', maxCount: 20000 } },
    },
    {
      name: 'exchange-stablecoins',
      action: 'APPROVE',
      match: { operations: ['TRANSFER'], assets: ['USDC', 'USDT'], amount: { max: '250000' }, destinations: EXCHANGES },
      caps: { window: { seconds: DAY, maxSum: '200000000' } },
    },
    {
      name: 'exchange-btc',
      action: 'APPROVE',
      match: { operations: ['TRANSFER'], assets: ['BTC'], amount: { max: '10' }, destinations: BTC_EXCHANGES },
      caps: { perTransactionMax: '10', window: { seconds: DAY, maxSum: '2000' } },
    },
    {
      name: 'payroll',
      action: 'APPROVE',
      match: {
        operations: ['TRANSFER'],
        assets: ['USDC', 'USDT', 'EURC'],
        amount: { min: '100', max: '25000' },
        sources: [{ type: 'VAULT_ACCOUNT', id: '3' }],
        destinations: PAYROLL,
      },
      caps: { window: { seconds: DAY, maxSum: '100000000', maxCount: 100000 } },
    },
    {
      name: 'market-making-sol',
      action: 'APPROVE',
      match: { assets: ['SOL'], amount: { max: '50000' }, destinations: SOL_MARKET_MAKERS },
      caps: { window: { seconds: 3600, maxSum: '2000000' } },
    },
    {
      name: 'gas-top-ups',
      action: 'APPROVE',
      match: { operations: ['TRANSFER'], assets: ['ETH', 'MATIC'], amount: { max: '50' }, destinations: OPERATIONS },
      caps: { perTransactionMax: '50', window: { seconds: 3600, maxSum: '250000', maxCount: 20000 } },
    },
    {
      name: 'partner-settlements',
      action: 'APPROVE',
      match: { operations: ['TRANSFER'], assets: ['USDC', 'EURC'], amount: { min: '1000' }, destinations: SETTLEMENTS },
      caps: { window: { seconds: DAY, maxSum: '250000000' } },
    },
    {
      name: 'treasury-rebalance',
      action: 'APPROVE',
      match: {
        sources: [
          { type: 'VAULT_ACCOUNT', id: '0' },
          { type: 'VAULT_ACCOUNT', id: '1' },
        ],
        destinationTypes: ['VAULT_ACCOUNT'],
      },
    },
    { name: 'cold-storage-sweeps', action: 'APPROVE', match: { assets: ['BTC', 'ETH'], destinations: COLD } },
    {
      name: 'staking-deposits',
      action: 'APPROVE',
      match: { assets: ['ETH'], amount: { min: '32', max: '3200' }, destinations: STAKING },
      caps: { window: { seconds: DAY, maxSum: '32000' } },
    },
    {
      name: 'defi-contract-calls',
      action: 'APPROVE',
      match: { operations: ['CONTRACT_CALL'], destinations: DEFI },
      caps: { perTransactionMax: '100000', window: { seconds: DAY, maxCount: 500 } },
    },
    {
      name: 'large-btc-business-hours',
      action: 'APPROVE',
      match: { assets: ['BTC'], amount: { min: '10', max: '100' }, timeOfDay: { from: '09:00', to: '17:00' }, destinations: OTC_DESKS },
      caps: { window: { seconds: DAY, maxSum: '500' } },
    },
    {
      name: 'small-eth-anywhere',
      action: 'APPROVE',
      match: { operations: ['TRANSFER'], assets: ['ETH'], amount: { max: '0.01' } },
      caps: { window: { seconds: DAY, maxCount: 20 } },
    },
    { name: 'default-deny', action: 'REJECT', match: {} },
  ],
};

/**
 * The bench's traffic: one template per window (a capped rule and an asset), its source,
 * destinations and amounts, all inside that rule and none caught by an earlier one.
 */
const WINDOWS = [
  { rule: 'exchange-eth', asset: 'ETH', source: '1', destinations: EXCHANGES, amounts: ['0.5', '1.25', '2', '3.1', '0.75'] },
  { rule: 'exchange-stablecoins', asset: 'USDC', source: '1', destinations: EXCHANGES, amounts: ['1500', '2500.5', '10000', '750'] },
  { rule: 'exchange-stablecoins', asset: 'USDT', source: '2', destinations: EXCHANGES, amounts: ['1200', '9999.99', '400'] },
  { rule: 'exchange-btc', asset: 'BTC', source: '1', destinations: BTC_EXCHANGES, amounts: ['0.05', '0.125', '0.3'] },
  { rule: 'payroll', asset: 'USDC', source: '3', destinations: PAYROLL, amounts: ['3200', '4100.25', '5500'] },
  { rule: 'payroll', asset: 'USDT', source: '3', destinations: PAYROLL, amounts: ['2800', '3900.5'] },
  { rule: 'payroll', asset: 'EURC', source: '3', destinations: PAYROLL, amounts: ['3100', '4500'] },
  { rule: 'market-making-sol', asset: 'SOL', source: '4', destinations: SOL_MARKET_MAKERS, amounts: ['120', '45.5', '300'] },
  { rule: 'gas-top-ups', asset: 'ETH', source: '5', destinations: OPERATIONS, amounts: ['0.05', '0.1', '0.2'] },
  { rule: 'gas-top-ups', asset: 'MATIC', source: '5', destinations: OPERATIONS, amounts: ['10', '25'] },
  { rule: 'partner-settlements', asset: 'USDC', source: '2', destinations: SETTLEMENTS, amounts: ['12000', '25000'] },
  { rule: 'partner-settlements', asset: 'EURC', source: '2', destinations: SETTLEMENTS, amounts: ['8000', '15000'] },
];

/** The n-th transfer of a series: its window in turn (so consecutive requests lock different windows), then an amount and destination. */
function intentOf(n) {
  const window = WINDOWS[n % WINDOWS.length];
  const turn = Math.floor(n / WINDOWS.length);
  return {
    window,
    asset: window.asset,
    amount: window.amounts[turn % window.amounts.length],
    source: { type: 'VAULT_ACCOUNT', id: window.source },
    destination: { type: 'ONE_TIME_ADDRESS', address: window.destinations[turn % window.destinations.length] },
  };
}

/** Throws unless every window's caps afford `count` transfers of the series: the run's requests must be approved, not capped. */
function checkCapsAfford(count) {
  const perWindow = Math.ceil(count / WINDOWS.length);
  for (const window of WINDOWS) {
    const { caps } = POLICY.rules.find((rule) => rule.name === window.rule);
    const largest = Math.max(...window.amounts.map(Number));
    const { maxSum, maxCount } = caps.window;
    if ((maxSum !== undefined && perWindow * largest > Number(maxSum)) || (maxCount !== undefined && perWindow > maxCount)) {
      throw new Error(
        `decisions: ${count} transfers would pass the caps of ${window.rule}/${window.asset}; lower BENCH_DECISIONS_RATE or the duration`,
      );
    }
  }
  return perWindow;
}

// ---------------------------------------------------------------------------------------
// Fixtures: a workspace with its policy active (through the API, a key with policies:write),
// its transfers (as the superuser), and the callbacks that name them (signed in workers).

/** A workspace whose live policy is POLICY, activated through the API; its id. */
async function workspaceWithPolicy(appUrl, ownerToken, name) {
  const workspace = await call(appUrl, 'POST', '/v1/admin/workspaces', { name }, ownerToken);
  const { key } = await call(
    appUrl,
    'POST',
    `/v1/admin/workspaces/${workspace.id}/api-keys`,
    { name: 'bench policies', scopes: ['policies:read', 'policies:write'], environment: 'live' },
    ownerToken,
  );
  const draft = await call(appUrl, 'PUT', '/v1/policies/draft', { document: POLICY, note: 'bench: 20 rules, 12 capped windows' }, key);
  await call(appUrl, 'POST', `/v1/policies/versions/${draft.version}/activate`, undefined, key);
  return workspace.id;
}

/** `count` transfers of `workspaceId`'s live environment, submitted to the simulator, keys `<prefix><n>`; their external references. */
async function seedTransfers(db, workspaceId, prefix, count) {
  const references = [];
  for (let from = 0; from < count; from += 5000) {
    const columns = { keys: [], assets: [], amounts: [], sources: [], destinations: [] };
    for (let n = from; n < Math.min(from + 5000, count); n += 1) {
      const intent = intentOf(n);
      columns.keys.push(`${prefix}${n}`);
      columns.assets.push(intent.asset);
      columns.amounts.push(intent.amount);
      columns.sources.push(JSON.stringify(intent.source));
      columns.destinations.push(JSON.stringify(intent.destination));
      references.push(`${workspaceId}:live:${prefix}${n}`);
    }
    await db.query(
      `INSERT INTO transfers (workspace_id, environment, idempotency_key, external_tx_id, provider, asset, amount, source, destination, status, created_by)
       SELECT $1::uuid, 'live', k, $1::text || ':live:' || k, 'simulator', a, m, s::jsonb, d::jsonb, 'submitted', 'bench'
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t (k, a, m, s, d)`,
      [workspaceId, columns.keys, columns.assets, columns.amounts, columns.sources, columns.destinations],
    );
  }
  return references;
}

/** What the provider's co-signer sends about the n-th transfer (the fields the simulator sends, and a few a real one adds). */
function signRequest(n, externalTxId) {
  const intent = intentOf(n);
  return {
    requestId: randomUUID(),
    txId: randomUUID(),
    externalTxId,
    operation: 'TRANSFER',
    sourceType: intent.source.type,
    sourceId: intent.source.id,
    destType: intent.destination.type,
    destAddress: intent.destination.address,
    destAddressType: 'ONE_TIME',
    asset: intent.asset,
    amountStr: intent.amount,
    requestedAmountStr: intent.amount,
    fee: '0.00042',
    note: `bench transfer ${n}`,
    customerRefId: `bench-${n}`,
    requestedBy: 'bench-operator',
  };
}

/** The payloads signed RS256 with the PEM key, in worker threads (one per core); the tokens, in order. */
async function presign(privateKeyPem, payloads) {
  const threads = Math.min(availableParallelism(), Math.max(1, Math.ceil(payloads.length / 500)));
  const slice = Math.ceil(payloads.length / threads);
  const parts = await Promise.all(
    Array.from(
      { length: threads },
      (_, i) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(join(__dirname, 'presign-worker.js'), {
            workerData: { privateKeyPem, payloads: payloads.slice(i * slice, (i + 1) * slice) },
          });
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.once('exit', (code) => code !== 0 && reject(new Error(`presign worker exited with ${code}`)));
        }),
    ),
  );
  return parts.flat();
}

// ---------------------------------------------------------------------------------------
// The load: autocannon options for run.js's measure.

/** The answer's claims (not verified here: a sample is, after the run). */
function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

/**
 * autocannon options that send each pre-signed callback once, in order. Every answer is
 * read (its action counted, its requestId checked against the request's) and kept, for a
 * sample to be verified after the run. A pool that runs out is never replayed: the requests
 * after it go to /health/live and the run fails (`tally.exhausted`).
 */
function decisionRequests(tokens, requestIds, tally) {
  return {
    requests: [
      {
        method: 'POST',
        path: CALLBACK_PATH,
        setupRequest: (request, context) => {
          if (tally.next >= tokens.length) {
            tally.exhausted += 1;
            context.index = undefined;
            return { ...request, method: 'GET', path: '/health/live', headers: {}, body: undefined };
          }
          context.index = tally.next;
          tally.next += 1;
          return { ...request, headers: { 'content-type': 'text/plain' }, body: tokens[context.index] };
        },
        onResponse: (status, body, context) => {
          const { index } = context;
          if (index === undefined || status !== 200) return;
          tally.answered += 1;
          const claims = claimsOf(body);
          tally.actions[claims.action] = (tally.actions[claims.action] ?? 0) + 1;
          if (claims.action !== 'APPROVE') tally.reasons[claims.rejectionReason] = (tally.reasons[claims.rejectionReason] ?? 0) + 1;
          if (claims.requestId !== requestIds[index]) tally.misdirected += 1;
          tally.answers.push({ token: body, requestId: requestIds[index] });
        },
      },
    ],
  };
}

/** autocannon options that send the one decided callback again and again, each answer compared with the stored one. */
function duplicateRequests(token, stored, tally) {
  return {
    requests: [
      {
        method: 'POST',
        path: CALLBACK_PATH,
        headers: { 'content-type': 'text/plain' },
        body: token,
        onResponse: (status, body) => {
          tally.answered += 1;
          if (status !== 200 || body !== stored) tally.different += 1;
        },
      },
    ],
  };
}

/** `options` with every answer counted (`counter.answered`), for CPU per request. */
function counted(options, counter) {
  return {
    ...options,
    requests: options.requests.map((request) => ({
      ...request,
      onResponse: (...args) => {
        counter.answered += 1;
        request.onResponse?.(...args);
      },
    })),
  };
}

/** run.js's measure of `options`, with each process's CPU per answered request over the whole call (warm-up included). */
async function measuredWithCpu(measure, url, method, options, counter, pids) {
  const before = cpuSnapshot(pids.app, pids.postmaster);
  const answeredBefore = counter.answered;
  const result = await measure(url, method, options);
  const cpu = since(before);
  const answered = counter.answered - answeredBefore;
  return { ...result, cpu: { ...cpu, answered, answeredPerSecond: answered / cpu.seconds } };
}

// ---------------------------------------------------------------------------------------
// RSA's cost per operation, in this process: the app's own functions from dist.

/**
 * µs per answer signed (signCallbackAnswer) and per callback verified (verifyCallbackToken),
 * the app's own functions from dist, with RSA-2048 keys as the app's, the best of three
 * rounds. run.js calls it first, on a quiet machine: under load every figure is dearer.
 */
function rsaCosts() {
  const dist = join(__dirname, '..', 'dist', 'apps', 'api', 'src', 'cosigner', 'protocol');
  const { signCallbackAnswer } = require(join(dist, 'callback-answer.js'));
  const { verifyCallbackToken } = require(join(dist, 'callback-token.js'));
  const ours = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const callback = jwt.sign(signRequest(0, 'ws:live:key'), provider.privateKey, { algorithm: 'RS256' });
  const keys = [{ kid: 'v1', publicKey: provider.publicKey }];
  if ('refused' in verifyCallbackToken(callback, keys)) throw new Error('decisions: the sample callback does not verify');
  const answer = { action: 'APPROVE', requestId: claimsOf(callback).requestId };
  const best = (work, runs) => 1000 * Math.min(...[1, 2, 3].map(() => msPer(work, runs)));
  return {
    signMicros: best(() => signCallbackAnswer(answer, ours.privateKey, 'v1'), 200),
    verifyMicros: best(() => verifyCallbackToken(callback, keys), 2000),
  };
}

// ---------------------------------------------------------------------------------------
// The decision's transaction through pg directly: the statements the app sends for an
// approval (captured on the wire), in its order and shapes (the settings with BEGIN as one
// simple query, the audit row and the domain event as named statements, the rest unnamed),
// as the app role from a pool of the app's size at the same concurrency, each on a transfer
// of its own in a workspace of its own (its own windows). No HTTP, no RSA, no policy engine:
// the answer stored is a ready-made token of an answer's length.

const AUDIT_INSERT = `INSERT INTO audit_log (workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome, reason,
                              client_ip, user_agent, request_id, client_request_id, environment)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`;
const EVENT_INSERT = `INSERT INTO domain_events (workspace_id, environment, type, subject_id, payload) VALUES ($1, $2, $3, $4, $5)`;

/** One approval's transaction, as the app runs it for the n-th transfer of the ceiling's workspace. */
async function decideThroughPg(client, workspaceId, reference, n, policy, answer) {
  const intent = intentOf(n);
  const requestId = randomUUID();
  const txId = randomUUID();
  // The provider principal's settings and the decision's timeouts (COSIGNER_DECISION_TIMEOUT_MS, its default).
  const settings = [
    ['app.workspace_id', workspaceId],
    ['app.actor', 'provider:simulator'],
    ['app.platform', 'off'],
    ['app.environment', 'live'],
    ['statement_timeout', '5000'],
    ['lock_timeout', '5000'],
    ['idle_in_transaction_session_timeout', '5000'],
  ];
  await client.query(
    `START TRANSACTION; SELECT ${settings.map(([name, value]) => `set_config(${client.escapeLiteral(name)}, ${client.escapeLiteral(value)}, true)`).join(', ')}`,
  );
  const [transfer] = (
    await client.query(
      `SELECT id, workspace_id, environment, provider, asset, amount, source, destination, status, provider_tx_id, rule_name
         FROM transfers WHERE external_tx_id = $1 FOR UPDATE`,
      [reference],
    )
  ).rows;
  if (!transfer) throw new Error(`ceiling: no transfer ${reference}`);
  const claimed = await client.query(
    `INSERT INTO cosigner_requests (provider, request_id, kind, workspace_id, environment, payload_sha256, transfer_id, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'open') ON CONFLICT (provider, request_id) DO NOTHING RETURNING state`,
    ['simulator', requestId, 'tx_sign', workspaceId, 'live', Buffer.alloc(32, n % 256), transfer.id],
  );
  if (claimed.rows.length !== 1) throw new Error('ceiling: a request id was taken');
  const [version] = (
    await client.query(
      `SELECT id, version, document FROM policy_versions WHERE workspace_id = $1 AND environment = $2 AND state = 'active'`,
      [workspaceId, 'live'],
    )
  ).rows;
  if (version.id !== policy.id) throw new Error('ceiling: another policy version is active');
  const { rule } = intent.window;
  const seconds = POLICY.rules.find((candidate) => candidate.name === rule).caps.window.seconds;
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('cap:' || $1 || ':' || $2 || ':' || $3 || ':' || $4, 0))`, [
    workspaceId,
    'live',
    rule,
    intent.asset,
  ]);
  await client.query(
    `SELECT coalesce(sum(amount), 0)::text AS sum, count(*)::int AS count FROM cosigner_cap_reservations
        WHERE workspace_id = $1 AND environment = $2 AND rule_name = $3 AND asset = $4 AND released_at IS NULL
          AND reserved_at > clock_timestamp() - make_interval(secs => $5)`,
    [workspaceId, 'live', rule, intent.asset, seconds],
  );
  await client.query(
    `INSERT INTO cosigner_cap_reservations (workspace_id, environment, rule_name, asset, amount, transfer_id, reserved_at)
       VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())`,
    [workspaceId, 'live', rule, intent.asset, intent.amount, transfer.id],
  );
  await client.query(
    `UPDATE transfers SET status = $2, policy_version_id = $3, rule_name = $4, reason = $5, decided_at = now(),
                provider_tx_id = coalesce(provider_tx_id, $6) WHERE id = $1`,
    [transfer.id, 'approved', policy.id, rule, 'rule_approved', txId],
  );
  await client.query(
    `UPDATE cosigner_requests SET state = 'final', action = $3, reason = $4, policy_version_id = $5, rule_name = $6, answer = $7, decided_at = now()
        WHERE provider = $1 AND request_id = $2`,
    ['simulator', requestId, 'APPROVE', 'rule_approved', policy.id, rule, answer],
  );
  const after = { status: 'approved', requestId, txId, action: 'APPROVE', policyVersion: policy.version, rule };
  await client.query({
    name: 'ringfence_audit_insert',
    text: AUDIT_INSERT,
    values: [
      workspaceId,
      'provider',
      'simulator',
      'cosigner.decide',
      'transfer',
      transfer.id,
      JSON.stringify({ status: 'submitted' }),
      JSON.stringify(after),
      'success',
      'rule_approved',
      '127.0.0.1',
      null,
      randomUUID(),
      null,
      'live',
    ],
  });
  await client.query({
    name: 'ringfence_domain_event_insert',
    text: EVENT_INSERT,
    values: [
      workspaceId,
      'live',
      'transfer.approved',
      transfer.id,
      JSON.stringify({ transferId: transfer.id, status: 'approved', reason: 'rule_approved', policyVersion: policy.version, rule }),
    ],
  });
  await client.query('COMMIT');
}

/** A runner of the ceiling over `references` (each used once; running out fails the run). */
async function ceilingRunner({ dataDir, pgPort, workspaceId, references, answer, connections, pids }) {
  const db = superuser(dataDir, pgPort);
  await db.connect();
  let policy;
  try {
    policy = (
      await db.query(`SELECT id, version FROM policy_versions WHERE workspace_id = $1 AND environment = 'live' AND state = 'active'`, [
        workspaceId,
      ])
    ).rows[0];
  } finally {
    await db.end();
  }
  const pool = appRolePool(dataDir, pgPort, POOL_SIZE, 'bench-decisions-ceiling');
  await Promise.all(Array.from({ length: POOL_SIZE }, () => pool.query('SELECT 1')));
  let next = 0;
  const transaction = (client) => {
    if (next >= references.length)
      throw new Error(`ceiling: the ${references.length} transfers ran out; raise BENCH_DECISIONS_CEILING_RATE`);
    const n = next;
    next += 1;
    return decideThroughPg(client, workspaceId, references[n], n, policy, answer);
  };
  return {
    run: async (seconds, sampled = false) => {
      const before = cpuSnapshot(pids.app, pids.postmaster);
      const done = next;
      const result = await drive(pool, transaction, connections, seconds);
      if (!sampled) return result;
      const cpu = since(before);
      return { ...result, cpu: { ...cpu, answeredPerSecond: (next - done) / cpu.seconds } };
    },
    end: () => pool.end(),
  };
}

// ---------------------------------------------------------------------------------------

/**
 * The figures. `measure` is run.js's (a 2 s warm-up, then the bench's duration, at its
 * connections); `basePort` is bare Fastify's; `appPid` the app's process.
 */
async function measureDecisions({
  appUrl,
  ownerToken,
  dataDir,
  pgPort,
  basePort,
  appPid,
  measure,
  connections,
  duration,
  statements,
  rsa,
}) {
  const pool = Math.ceil((duration + WARM_UP_SECONDS) * MAX_RATE);
  const ceilingPool = Math.ceil(2 * (duration + WARM_UP_SECONDS) * CEILING_MAX_RATE);
  const perWindow = checkCapsAfford(pool);
  const workspaceId = await workspaceWithPolicy(appUrl, ownerToken, 'bench decisions');
  const ceilingWorkspaceId = await workspaceWithPolicy(appUrl, ownerToken, 'bench decisions ceiling');
  const patchIds = await newWorkspaces(appUrl, ownerToken, 50);
  const db = superuser(dataDir, pgPort);
  await db.connect();
  let references;
  let duplicate;
  let ceilingReferences;
  try {
    references = await seedTransfers(db, workspaceId, 'bench-', pool);
    [duplicate] = await seedTransfers(db, workspaceId, 'bench-duplicate-', 1);
    ceilingReferences = await seedTransfers(db, ceilingWorkspaceId, 'bench-ceiling-', ceilingPool);
    // As the audit ring's seed is followed by VACUUM (ANALYZE): with the statistics of an
    // empty table, the planner finds the callback's transfer by walking the workspace's
    // listing index (2.2 ms at 4,200 transfers, against 0.09 ms by external_tx_id).
    await db.query('ANALYZE transfers');
  } finally {
    await db.end();
  }
  const privateKeyPem = readFileSync(join(dataDir, 'simulator', 'cosigner-simulator.v1.pem'), 'utf8');
  const signStarted = Date.now();
  const payloads = references.map((reference, n) => signRequest(n, reference));
  const tokens = await presign(privateKeyPem, payloads);
  const presignSeconds = (Date.now() - signStarted) / 1000;
  const requestIds = payloads.map((payload) => payload.requestId);

  // The duplicate: decided once now, then replayed under load.
  const duplicateToken = jwt.sign(signRequest(0, duplicate), privateKeyPem, { algorithm: 'RS256' });
  const stored = await (
    await fetch(`${appUrl}${CALLBACK_PATH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: duplicateToken })
  ).text();
  if (claimsOf(stored).action !== 'APPROVE') throw new Error(`decisions: the duplicate's first answer is ${claimsOf(stored).action}`);

  const pids = { app: appPid, postmaster: Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]) };
  const ceiling = await ceilingRunner({
    dataDir,
    pgPort,
    workspaceId: ceilingWorkspaceId,
    references: ceilingReferences,
    answer: stored,
    connections,
    pids,
  });
  const patchCounter = { answered: 0 };
  const patches = counted(patchRequests(patchIds, ownerToken), patchCounter);
  const patchUrl = `${appUrl}/v1/admin/workspaces/bench`;
  const tally = { next: 0, exhausted: 0, answered: 0, misdirected: 0, actions: {}, reasons: {}, answers: [] };
  const replays = { answered: 0, different: 0 };
  let runs;
  try {
    await ceiling.run(WARM_UP_SECONDS);
    const ceilingBefore = await ceiling.run(duration, true);
    const patchBefore = await measuredWithCpu(measure, patchUrl, 'PATCH', patches, patchCounter, pids);
    await statements?.reset();
    const decisions = await measuredWithCpu(
      measure,
      `${appUrl}${CALLBACK_PATH}`,
      'POST',
      decisionRequests(tokens, requestIds, tally),
      tally,
      pids,
    );
    const decisionStatements = await statements?.read();
    const patchAfter = await measuredWithCpu(measure, patchUrl, 'PATCH', patches, patchCounter, pids);
    await ceiling.run(WARM_UP_SECONDS);
    const ceilingAfter = await ceiling.run(duration, true);
    const bare = await measure(`http://127.0.0.1:${basePort}/health/live`, 'GET');
    await statements?.reset();
    const duplicates = await measuredWithCpu(
      measure,
      `${appUrl}${CALLBACK_PATH}`,
      'POST',
      duplicateRequests(duplicateToken, stored, replays),
      replays,
      pids,
    );
    const duplicateStatements = await statements?.read();
    runs = { ceilingBefore, patchBefore, decisions, patchAfter, ceilingAfter, bare, duplicates, decisionStatements, duplicateStatements };
  } finally {
    await ceiling.end();
  }
  if (tally.exhausted > 0) {
    throw new Error(`decisions: the ${pool} pre-signed callbacks ran out (sized for ${MAX_RATE}/s); raise BENCH_DECISIONS_RATE`);
  }

  // What the answers said: a sample verified with our public key, as the provider verifies them.
  const { publicKeyPem, kid } = await call(appUrl, 'GET', '/v1/cosigner/simulator/public-key');
  const every = Math.max(1, Math.floor(tally.answers.length / VERIFIED_SAMPLE));
  const sample = tally.answers.filter((_, i) => i % every === 0).slice(0, VERIFIED_SAMPLE);
  for (const { token, requestId } of sample) {
    const { header, payload } = jwt.verify(token, publicKeyPem, { algorithms: ['RS256'], complete: true });
    if (header.kid !== kid || payload.requestId !== requestId) throw new Error('decisions: an answer names another request or key');
  }
  const recorded = await recordedDecisions(dataDir, pgPort, workspaceId);
  const mean = (a, b) => ({ rps: (a.rps + b.rps) / 2, p50: (a.p50 + b.p50) / 2, p99: (a.p99 + b.p99) / 2, runs: [a, b] });
  const patch = mean(runs.patchBefore, runs.patchAfter);
  return {
    connections,
    duration,
    pool,
    perWindow,
    windows: WINDOWS.length,
    rules: POLICY.rules.length,
    presignSeconds,
    poolSize: POOL_SIZE,
    patch,
    decisions: runs.decisions,
    ceiling: mean(runs.ceilingBefore, runs.ceilingAfter),
    ratio: runs.decisions.rps / patch.rps,
    target: DECISIONS_TARGET,
    answers: {
      answered: tally.answered,
      actions: tally.actions,
      reasons: tally.reasons,
      misdirected: tally.misdirected,
      verified: sample.length,
      kid,
    },
    recorded,
    bare: runs.bare,
    duplicates: runs.duplicates,
    duplicatesRatio: runs.duplicates.rps / runs.bare.rps,
    duplicatesTarget: DUPLICATES_TARGET,
    replays,
    rsa,
    statements: statements && {
      decisions: { rows: runs.decisionStatements, requests: tally.answered },
      duplicates: { rows: runs.duplicateStatements, requests: replays.answered },
    },
  };
}

/** What the database holds of the run's decisions: actions, and approvals per window (rule and asset). */
async function recordedDecisions(dataDir, pgPort, workspaceId) {
  const db = superuser(dataDir, pgPort);
  await db.connect();
  try {
    const actions = await db.query(
      `SELECT action, count(*)::int AS n FROM cosigner_requests WHERE workspace_id = $1 GROUP BY action ORDER BY action`,
      [workspaceId],
    );
    const windows = await db.query(
      `SELECT rule_name, asset, count(*)::int AS n FROM cosigner_cap_reservations WHERE workspace_id = $1 GROUP BY rule_name, asset ORDER BY n DESC`,
      [workspaceId],
    );
    return {
      actions: Object.fromEntries(actions.rows.map((row) => [row.action, row.n])),
      windows: windows.rows.map((row) => ({ window: `${row.rule_name}/${row.asset}`, approvals: row.n })),
    };
  } finally {
    await db.end();
  }
}

/** The report's lines (markdown). */
function report(result) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const ms = (cores, run) => ((1000 * cores) / run.cpu.answeredPerSecond).toFixed(2);
  const cpuCells = (run, app = true) =>
    run.cpu
      ? [app ? ms(run.cpu.app, run) : '', ms(run.cpu.pg, run), ms(run.cpu.bench, run), `${(100 * run.cpu.machineBusy).toFixed(0)} %`]
      : ['', '', '', ''];
  const mean = (run) => ({ ...run, cpu: run.runs[0].cpu && { ...run.runs[0].cpu, ...meanCpu(run.runs) } });
  const both = (run) => `${run.rps.toFixed(0)} (${run.runs.map((one) => one.rps.toFixed(0)).join(', ')})`;
  const { patch, decisions, ceiling, bare, duplicates, rsa, answers, recorded } = result;
  const cores = decisions.cpu.cores;
  const rate = decisions.cpu.answeredPerSecond;
  const rsaCores = (rate * (rsa.signMicros + rsa.verifyMicros)) / 1e6;
  const percent = (value) => `${(100 * value).toFixed(0)} %`;
  const approvals = recorded.windows.map((window) => window.approvals);
  const others = Object.entries(answers.actions)
    .filter(([action]) => action !== 'APPROVE')
    .map(([action, count]) => `${action} ${count}`);
  const met = (ratio, target) => (ratio >= target ? 'met' : 'not met');
  const lines = [
    `\nCosigner decisions (issue 15): ${result.pool.toLocaleString('en')} callbacks pre-signed by the bench (${result.presignSeconds.toFixed(1)} s, in worker threads), each with its own requestId and transfer, under a ${result.rules}-rule policy; the requests take ${result.windows} capped windows (rule and asset) in turn (the app's ${result.poolSize} transactions in flight seldom wait on one window's lock), at most ${result.perWindow.toLocaleString('en')} each, which the caps afford. ${result.connections} connections, ${result.duration} s each after a 2 s warm-up; the PATCH and the ceiling before and after the decisions (their means). CPU per request from /proc over each measurement, warm-up included.\n`,
    line([
      'measurement',
      'req/s',
      'p50 ms',
      'p99 ms',
      'app CPU ms/req',
      'PostgreSQL CPU ms/req',
      'load generator CPU ms/req',
      'machine busy',
    ]),
    line(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    line([
      'PATCH /v1/admin/workspaces/:id (audited, issue 14)',
      both(patch),
      patch.p50.toFixed(0),
      patch.p99.toFixed(0),
      ...cpuCells(mean(patch)),
    ]),
    line([
      'POST /v1/cosigner/simulator/v2/tx_sign_request, a decision each',
      decisions.rps.toFixed(0),
      String(decisions.p50),
      String(decisions.p99),
      ...cpuCells(decisions),
    ]),
    line([
      `the decision's transaction through pg directly (its statements as the app sends them, pool of ${result.poolSize})`,
      both(ceiling),
      ceiling.p50.toFixed(1),
      ceiling.p99.toFixed(1),
      ...cpuCells(mean(ceiling), false),
    ]),
    line(['bare Fastify GET /health/live', bare.rps.toFixed(0), String(bare.p50), String(bare.p99), '', '', '', '']),
    line([
      'POST …/tx_sign_request, one decided callback replayed',
      duplicates.rps.toFixed(0),
      String(duplicates.p50),
      String(duplicates.p99),
      ...cpuCells(duplicates),
    ]),
    '',
    `decisions/s ÷ audited PATCH req/s: ${result.ratio.toFixed(2)} (target ≥ ${result.target.toFixed(1)}: ${met(result.ratio, result.target)}); p99 ${decisions.p99} ms beside the PATCH's ${patch.p99.toFixed(0)} ms; ${decisions.rps.toFixed(0)} decisions/s against the moonshot's 1,000/s`,
    `duplicates ÷ bare Fastify: ${result.duplicatesRatio.toFixed(3)} (target ≥ ${result.duplicatesTarget}: ${met(result.duplicatesRatio, result.duplicatesTarget)}); ${result.replays.different === 0 ? 'all' : `${result.replays.answered - result.replays.different} of`} ${result.replays.answered.toLocaleString('en')} replays answered the stored answer byte for byte`,
    `answers read: ${answers.answered.toLocaleString('en')}, APPROVE ${(answers.actions.APPROVE ?? 0).toLocaleString('en')}${others.length ? `, ${others.join(', ')} (${JSON.stringify(answers.reasons)})` : ''}; ${answers.misdirected === 0 ? 'each echoing its request' : `${answers.misdirected} naming another request`}; ${answers.verified} sampled answers verified with GET /v1/cosigner/simulator/public-key (kid ${answers.kid}). In the database: ${Object.entries(
      recorded.actions,
    )
      .map(([action, count]) => `${action} ${count.toLocaleString('en')}`)
      .join(
        ', ',
      )} (answers still in flight when each phase stopped included), ${Math.min(...approvals)}–${Math.max(...approvals)} approvals per window over ${approvals.length}`,
    `RSA per operation (this process, the app's own functions): an answer signed ${rsa.signMicros.toFixed(0)} µs, a callback verified ${rsa.verifyMicros.toFixed(0)} µs. At ${rate.toFixed(0)} decisions/s: ${rsaCores.toFixed(2)} cores, ${percent(rsaCores / cores)} of the machine's ${cores}, ${percent(rsaCores / decisions.cpu.app)} of the app's CPU; replays verify nothing (the authenticator remembers a body it verified, until its token's exp)`,
    `The decision's transaction: PostgreSQL used ${decisions.cpu.pg.toFixed(2)} cores during the decisions (${percent(decisions.cpu.pg / cores)} of the machine, ${ms(decisions.cpu.pg, decisions)} ms per decision); its statements through pg directly sustain ${ceiling.rps.toFixed(0)} tx/s, of which the app's decisions reach ${(decisions.rps / ceiling.rps).toFixed(2)}`,
  ];
  if (process.env.BENCH_APP_NODE_ARGS?.includes('--cpu-prof')) {
    const alone = (run) => `${run.cpu.answered} ${run.cpu.span}`;
    lines.push(
      `\nThe app's profile, one measurement at a time: node bench/profile-summary.js <file.cpuprofile> 30 ${alone(decisions)} (decisions); … ${alone(duplicates)} (duplicates); … ${alone(patch.runs[0])} and … ${alone(patch.runs[1])} (the PATCH)`,
    );
  }
  if (result.statements) {
    const { decisions: decided, duplicates: replayed } = result.statements;
    lines.push(
      ...pgStatements.report('Decisions', decided.rows, decided.requests),
      ...pgStatements.report('Duplicates', replayed.rows, replayed.requests),
    );
  }
  return lines;
}

/** The mean of two runs' CPU figures. */
function meanCpu(runs) {
  const [a, b] = runs.map((run) => run.cpu);
  return Object.fromEntries(['app', 'pg', 'bench', 'machineBusy', 'answeredPerSecond'].map((key) => [key, (a[key] + b[key]) / 2]));
}

module.exports = { measure: measureDecisions, report, rsaCosts };
