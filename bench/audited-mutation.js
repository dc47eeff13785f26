'use strict';
// Issue 14: the audited mutation against its ceiling. In one run, on the bench app's own
// embedded PostgreSQL: (a) PATCH /v1/admin/workspaces/:id through the app over HTTP
// (autocannon), (b) the same transaction through `pg` directly, as the app role, from a
// pg.Pool of the app's size (DATABASE_POOL_SIZE) at the same concurrency: BEGIN, the RLS
// settings, the service's SELECT … FOR UPDATE, the UPDATE … RETURNING, the audit INSERT
// with its actor and request columns, COMMIT, one statement per round trip, as a plain
// pg client sends them (and as the app sent them before issue 14: docs/adr/0018).
// The ceiling's requests rotate over the same 50 workspaces, one row lock each.
const { randomUUID } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Pool } = require('pg');
const { newWorkspaces, patchRequests } = require('./audit-ring');
const { superuser } = require('./support');

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

/** One audited rename, statement by statement, as the app role. */
async function ceilingTransaction(client, id, name, adminId) {
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
  const before = (await client.query(`SELECT ${COLUMNS} FROM workspaces WHERE id = $1 AND status <> 'deleted' FOR UPDATE`, [id])).rows[0];
  if (!before) throw new Error(`workspace ${id} not found`);
  const after = (
    await client.query(
      `UPDATE workspaces SET name = coalesce($2, name), plan = coalesce($3, plan), allowed_origins = coalesce($4, allowed_origins),
              updated_at = now(), version = version + 1
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, name, null, null],
    )
  ).rows[0];
  await client.query(
    `INSERT INTO audit_log (workspace_id, actor_type, actor_id, action, target_type, target_id, before, after, outcome, reason,
                            client_ip, user_agent, request_id, client_request_id, environment)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
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
    ],
  );
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
  const password = readFileSync(join(dataDir, 'pg.app'), 'utf8').trim();
  const pool = new Pool({
    connectionString: `postgres://ringfence_app:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/ringfence`,
    max: POOL_SIZE,
    min: POOL_SIZE,
    application_name: 'bench-ceiling',
  });
  try {
    await Promise.all(Array.from({ length: POOL_SIZE }, () => pool.query('SELECT 1')));
    const rename = (client, n) => ceilingTransaction(client, ids[n % ids.length], `ceiling ${n}`, adminId);
    const app = await measure(`${appUrl}/v1/admin/workspaces/bench`, 'PATCH', patchRequests(ids, ownerToken));
    await drive(pool, rename, connections, 2);
    const ceiling = await drive(pool, rename, connections, duration);
    return { app, ceiling, ratio: app.rps / ceiling.rps, p99Ratio: app.p99 / ceiling.p99, target: TARGET, poolSize: POOL_SIZE };
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
    line(['through pg directly (ceiling)', ceiling.rps.toFixed(0), String(ceiling.p50), String(ceiling.p99)]),
    line(['through the app (HTTP)', app.rps.toFixed(0), String(app.p50), String(app.p99)]),
    `\nratio ${result.ratio.toFixed(2)} (target ≥ ${result.target}: ${result.ratio >= result.target ? 'met' : 'not met'}), p99 ratio ${result.p99Ratio.toFixed(2)} (app / ceiling, reported)`,
  ];
}

module.exports = { measure: measureAudited, report };
