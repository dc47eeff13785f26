'use strict';
// Issue 14: the audited mutation against its ceiling. In one run, on the bench app's own
// embedded PostgreSQL: (a) PATCH /v1/admin/workspaces/:id through the app over HTTP
// (autocannon), (b) the same transaction through `pg` directly, as the app role, from a
// pg.Pool of the app's size (DATABASE_POOL_SIZE) at the same concurrency: BEGIN, the RLS
// settings, the service's SELECT … FOR UPDATE, the UPDATE … RETURNING, the audit INSERT
// with its actor and request columns, COMMIT, one statement per round trip, as a plain
// pg client sends them (and as the app sent them before issue 14: docs/adr/0018).
// The ceiling is measured before and after the app (the mean is judged); the app's own
// wire shape since (four round trips, named statements) is measured through pg too and
// reported, as what the framework costs on top of its statements. The ceiling's requests
// rotate over the same 50 workspaces as the app's, one row lock each.
const { randomUUID } = require('node:crypto');
const { newWorkspaces, patchRequests } = require('./audit-ring');
const { appRolePool, superuser } = require('./support');

const TARGET = 0.6;
const POOL_SIZE = Number(process.env.DATABASE_POOL_SIZE ?? 10);
const COLUMNS = 'id, name, status, plan, allowed_origins, created_at';

/** The admin the token speaks for (the ceiling's actor), read as the superuser. */
async function adminIdOf(dataDir, pgPort, token) {
  const { sub } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  const db = superuser(dataDir, pgPort);
  await db.connect();
  try {
    const { rows } = await db.query('SELECT id FROM admins WHERE id::text = $1', [sub]);
    if (rows.length !== 1) throw new Error('the bench owner token names no admin');
    return rows[0].id;
  } finally {
    await db.end();
  }
}

const AUDIT_INSERT = `INSERT INTO audit_log (workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome, reason,
                            client_ip, user_agent, request_id, client_request_id, environment)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`;
const UPDATE_WITH_BEFORE = `UPDATE workspaces w SET name = coalesce($2, w.name), plan = coalesce($3, w.plan), allowed_origins = coalesce($4, w.allowed_origins),
              updated_at = now(), version = w.version + 1
         FROM (SELECT id, name, plan, allowed_origins FROM workspaces WHERE id = $1 AND status <> 'deleted' FOR UPDATE) old
        WHERE w.id = old.id
       RETURNING w.id, w.name, w.status, w.plan, w.allowed_origins, w.created_at,
                 old.name AS before_name, old.plan AS before_plan, old.allowed_origins AS before_allowed_origins`;

/**
 * One audited rename as the app role. `plain`: statement by statement, six round trips,
 * unnamed (the ceiling, and the app before issue 14). `asApp`: the app's wire shape since
 * (four round trips: the settings with BEGIN, the update with its before-image, the audit
 * row, COMMIT; the update and the insert as named statements), reported beside it.
 */
async function rename(client, shape, id, name, adminId) {
  let before;
  let after;
  if (shape === 'plain') {
    await client.query('START TRANSACTION');
    await client.query('SELECT set_config($1, $2, true), set_config($3, $4, true), set_config($5, $6, true), set_config($7, $8, true)', [
      'app.workspace_id',
      '',
      'app.actor',
      `admin:${adminId}`,
      'app.platform',
      'on',
      'app.environment',
      '',
    ]);
    before = (await client.query(`SELECT ${COLUMNS} FROM workspaces WHERE id = $1 AND status <> 'deleted' FOR UPDATE`, [id])).rows[0];
    after = (
      await client.query(
        `UPDATE workspaces SET name = coalesce($2, name), plan = coalesce($3, plan), allowed_origins = coalesce($4, allowed_origins),
                updated_at = now(), version = version + 1
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, name, null, null],
      )
    ).rows[0];
  } else {
    await client.query(
      `START TRANSACTION; SELECT set_config('app.workspace_id', '', true), set_config('app.actor', ${client.escapeLiteral(`admin:${adminId}`)}, true), ` +
        `set_config('app.platform', 'on', true), set_config('app.environment', '', true)`,
    );
    after = (await client.query({ name: 'bench_update', text: UPDATE_WITH_BEFORE, values: [id, name, null, null] })).rows[0];
    before = after && { name: after.before_name, plan: after.before_plan, allowed_origins: after.before_allowed_origins };
  }
  if (!before || !after) throw new Error(`workspace ${id} not found`);
  const values = [
    id,
    'admin',
    adminId,
    'workspace.update',
    'workspace',
    id,
    JSON.stringify({ name: before.name, plan: before.plan, allowedOrigins: before.allowed_origins }),
    JSON.stringify({ name: after.name, plan: after.plan, allowedOrigins: after.allowed_origins }),
    'success',
    null,
    '127.0.0.1',
    null,
    randomUUID(),
    null,
    null,
  ];
  await client.query(shape === 'plain' ? { text: AUDIT_INSERT, values } : { name: 'bench_audit_insert', text: AUDIT_INSERT, values });
  await client.query('COMMIT');
}

/** `connections` workers for `seconds`, each taking a client per transaction: transactions/s, p50 and p99 ms. */
async function drive(pool, transaction, connections, seconds) {
  const latencies = [];
  const until = Date.now() + seconds * 1000;
  let next = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const started = process.hrtime.bigint();
      const client = await pool.connect();
      try {
        await transaction(client, (next += 1));
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  };
  const startedAt = process.hrtime.bigint();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = Number(process.hrtime.bigint() - startedAt) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { rps: latencies.length / elapsed, p50: Number(at(0.5).toFixed(1)), p99: Number(at(0.99).toFixed(1)) };
}

/**
 * The figures: the app's PATCH and the ceiling, each after a 2 s warm-up; `measure` is
 * run.js's autocannon measurement (50 connections by default).
 */
async function measureAudited({ appUrl, ownerToken, dataDir, pgPort, measure, connections, duration }) {
  const ids = await newWorkspaces(appUrl, ownerToken, 50);
  const adminId = await adminIdOf(dataDir, pgPort, ownerToken);
  const pool = appRolePool(dataDir, pgPort, POOL_SIZE, 'bench-ceiling');
  try {
    await Promise.all(Array.from({ length: POOL_SIZE }, () => pool.query('SELECT 1')));
    const ceilingOf = (shape) => async (seconds) =>
      drive(pool, (client, n) => rename(client, shape, ids[n % ids.length], `ceiling ${n}`, adminId), connections, seconds);
    const [plain, asApp] = [ceilingOf('plain'), ceilingOf('asApp')];
    // The ceiling before and after the app (their mean): the first run meets colder pages.
    await plain(2);
    const first = await plain(duration);
    const app = await measure(`${appUrl}/v1/admin/workspaces/bench`, 'PATCH', patchRequests(ids, ownerToken));
    const second = await plain(duration);
    await asApp(2);
    const appShape = await asApp(duration);
    const ceiling = {
      rps: (first.rps + second.rps) / 2,
      p50: (first.p50 + second.p50) / 2,
      p99: (first.p99 + second.p99) / 2,
      runs: [first, second],
    };
    return { app, ceiling, appShape, ratio: app.rps / ceiling.rps, p99Ratio: app.p99 / ceiling.p99, target: TARGET, poolSize: POOL_SIZE };
  } finally {
    await pool.end();
  }
}

/** The report's lines (markdown). */
function report(result) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const { app, ceiling } = result;
  return [
    `\nAudited mutation (issue 14): PATCH /v1/admin/workspaces/:id against the same transaction through pg directly (pool of ${result.poolSize}, same concurrency)\n`,
    line(['measurement', 'req/s', 'p50 ms', 'p99 ms']),
    line(['---', '---:', '---:', '---:']),
    line([
      'through pg directly, six round trips, unnamed (the ceiling: mean of the runs before and after the app)',
      `${ceiling.rps.toFixed(0)} (${ceiling.runs.map((run) => run.rps.toFixed(0)).join(', ')})`,
      ceiling.p50.toFixed(1),
      ceiling.p99.toFixed(1),
    ]),
    line(['through the app (HTTP)', app.rps.toFixed(0), String(app.p50), String(app.p99)]),
    line([
      'through pg directly, as the app sends it now (four round trips, named statements; reported)',
      result.appShape.rps.toFixed(0),
      String(result.appShape.p50),
      String(result.appShape.p99),
    ]),
    `\nratio ${result.ratio.toFixed(3)} (target ≥ ${result.target}: ${result.ratio >= result.target ? 'met' : 'not met'}), p99 ratio ${result.p99Ratio.toFixed(2)} (app / ceiling, reported)`,
  ];
}

module.exports = { measure: measureAudited, report, drive };
