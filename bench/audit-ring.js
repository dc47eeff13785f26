'use strict';
// Issue 5's figures: (a) an audited mutation's throughput with the audit ring on against
// the same build with audit writes off (target ≥ 0.8); (b) the auditors' view over
// 1,000,000 seeded rows, filtered pages one at a time (target p95 < 50 ms). The seed goes
// in through SQL (generate_series) as the embedded cluster's superuser; the sealer then
// links it, and its rate is reported too.
const { randomUUID } = require('node:crypto');
const { call, superuser } = require('./support');

const SEED_ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000);
const SEED_CHUNK = 50_000;
const WORKSPACES = 100;
const ACTIONS = [
  'vault.create',
  'vault.reveal',
  'vault.update',
  'webhook.create',
  'webhook.replay',
  'policy.activate',
  'transfer.submit',
  'api_key.create',
];

/** 1,000,000 rows over 100 workspaces, 8 actions, 1,000 keys and the last ~58 days; returns what the filters use. */
async function seed(dataDir, pgPort) {
  const db = superuser(dataDir, pgPort);
  await db.connect();
  try {
    const workspaces = Array.from({ length: WORKSPACES }, () => randomUUID());
    await db.query(`SELECT set_config('app.platform', 'on', false)`);
    await db.query(`SELECT audit_ensure_partitions((now() - interval '3 months')::date, 3)`);
    const started = Date.now();
    // In transactions of 50,000 rows (about a second each): the sealer links in id order
    // and trusts every audit insert to commit within its settle delay (ADR 0007), which a
    // single minutes-long seed would not.
    for (let from = 1; from <= SEED_ROWS; from += SEED_CHUNK) {
      await db.query(
        `INSERT INTO audit_log (occurred_at, workspace_id, actor_type, actor_id, action, target_type, target_id, after, outcome, client_ip, user_agent, request_id)
         SELECT now() - make_interval(secs => n * 5), ($1::uuid[])[1 + n % ${WORKSPACES}], 'api_key', 'KEY' || lpad((n % 1000)::text, 5, '0'),
                ($2::text[])[1 + (n / 7) % ${ACTIONS.length}], 'vault_secret', 's' || (n % 5000), jsonb_build_object('n', n),
                CASE WHEN n % 20 = 0 THEN 'denied' ELSE 'success' END, '10.0.0.1', 'bench', 'seed-' || n
           FROM generate_series($3::int, $4::int) n`,
        [workspaces, ACTIONS, from, Math.min(from + SEED_CHUNK - 1, SEED_ROWS)],
      );
    }
    return { workspaces, seedSeconds: (Date.now() - started) / 1000, startedAt: started };
  } finally {
    await db.end();
  }
}

/** Links so far (before the seed, for the sealing rate). */
async function chainLength(dataDir, pgPort) {
  const db = superuser(dataDir, pgPort);
  await db.connect();
  try {
    await db.query(`SELECT set_config('app.platform', 'on', false)`);
    return Number((await db.query('SELECT count(*) AS n FROM audit_chain')).rows[0].n);
  } finally {
    await db.end();
  }
}

/**
 * Waits for the app's sealer to link every row (it seals while the seed is still going
 * in), then vacuums and analyses, so the measurements after it see a settled table.
 * Returns links per second from the seed's start to the moment the chain caught up.
 */
async function sealed(dataDir, pgPort, linksBefore, seedStartedAt) {
  const db = superuser(dataDir, pgPort);
  await db.connect();
  try {
    await db.query(`SELECT set_config('app.platform', 'on', false)`);
    const count = async (table) => Number((await db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    for (let waited = 0; waited < 900; waited += 1) {
      const [links, rows] = [await count('audit_chain'), await count('audit_log')];
      if (links >= rows - 50) {
        const rate = (links - linksBefore) / ((Date.now() - seedStartedAt) / 1000);
        await db.query('VACUUM (ANALYZE) audit_log');
        await db.query('VACUUM (ANALYZE) audit_chain');
        return rate;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new Error('the sealer did not catch up within 15 minutes');
  } finally {
    await db.end();
  }
}

/** Filtered pages, one request at a time, rotating filters; latency percentiles in ms. */
async function viewLatency(base, token, workspaces, requests = 400) {
  const day = 24 * 3600 * 1000;
  const filters = [
    (n) => ({ workspaceId: workspaces[n % workspaces.length] }),
    (n) => ({ action: n % 2 ? 'vault.' : 'webhook.' }),
    (n) => ({ actorType: 'api_key', actorId: `KEY${String(n % 1000).padStart(5, '0')}` }),
    (n) => ({
      workspaceId: workspaces[n % workspaces.length],
      action: 'vault.reveal',
      from: new Date(Date.now() - 30 * day).toISOString(),
    }),
    (n) => ({ targetType: 'vault_secret', targetId: `s${n % 5000}` }),
    (n) => ({
      outcome: 'denied',
      from: new Date(Date.now() - ((n % 50) + 1) * day).toISOString(),
      to: new Date(Date.now() - (n % 50) * day).toISOString(),
    }),
  ];
  const timings = [];
  const perFilter = filters.map(() => []);
  for (let n = 0; n < requests; n += 1) {
    const query = new URLSearchParams({ ...filters[n % filters.length](n), limit: '50' });
    const started = process.hrtime.bigint();
    const page = await call(base, 'GET', `/v1/audit/events?${query}`, undefined, token);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    timings.push(ms);
    perFilter[n % filters.length].push(ms);
    if (!Array.isArray(page.events)) throw new Error('not a page');
  }
  const percentile = (values, p) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  };
  return {
    p50: percentile(timings, 50),
    p95: percentile(timings, 95),
    p99: percentile(timings, 99),
    p95ByFilter: perFilter.map((values) => Number(percentile(values, 95).toFixed(1))),
  };
}

/** `count` workspaces to PATCH in turn (one row each, so requests do not queue on one row lock). */
async function patchTargets(base, token, count = 50) {
  return patchRequests(await newWorkspaces(base, token, count), token);
}

/** `count` new workspaces' ids. */
async function newWorkspaces(base, token, count) {
  const ids = [];
  for (let i = 0; i < count; i += 1) ids.push((await call(base, 'POST', '/v1/admin/workspaces', { name: `bench ${i}` }, token)).id);
  return ids;
}

/** autocannon options that rename the workspaces `ids` in turn. */
function patchRequests(ids, token) {
  let next = 0;
  return {
    requests: [
      {
        method: 'PATCH',
        setupRequest: (request) => {
          next += 1;
          return {
            ...request,
            path: `/v1/admin/workspaces/${ids[next % ids.length]}`,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ name: `renamed ${next}` }),
          };
        },
      },
    ],
  };
}

module.exports = { chainLength, seed, sealed, viewLatency, patchTargets, newWorkspaces, patchRequests, SEED_ROWS };
