'use strict';
// BENCH_PG_STATEMENTS=1 (a diagnosis, not a figure to compare: the extension costs a little
// itself): the embedded PostgreSQL restarted with pg_stat_statements, planning tracked, so a
// measurement can say where PostgreSQL's time went, statement by statement, per request.
const { superuser } = require('./support');

/** As the superuser, before the app (and its PostgreSQL) restarts: load the extension at start. */
async function preload(dataDir, pgPort) {
  const db = superuser(dataDir, pgPort);
  await db.connect();
  try {
    await db.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
    await db.query(`ALTER SYSTEM SET pg_stat_statements.track_planning = on`);
  } finally {
    await db.end();
  }
}

/** After the restart: the extension in the app's database, and a reader of what each measurement sent. */
async function statements(dataDir, pgPort) {
  const query = async (text) => {
    const db = superuser(dataDir, pgPort);
    await db.connect();
    try {
      return (await db.query(text)).rows;
    } finally {
      await db.end();
    }
  };
  await query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return {
    reset: () => query('SELECT pg_stat_statements_reset()'),
    /** The statements of the app's role since the last reset, most time first: calls, execution and planning ms in all. */
    read: async () =>
      (
        await query(
          `SELECT s.calls::int AS calls, s.total_exec_time AS exec_ms, s.total_plan_time AS plan_ms, regexp_replace(s.query, '\\s+', ' ', 'g') AS query
             FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
            WHERE r.rolname = 'ringfence_app' ORDER BY s.total_exec_time + s.total_plan_time DESC LIMIT 20`,
        )
      ).map((row) => ({ ...row, exec_ms: Number(row.exec_ms), plan_ms: Number(row.plan_ms) })),
  };
}

/** The report's lines: per request (`requests` served meanwhile), each statement's execution and planning time. */
function report(title, rows, requests) {
  const per = (ms) => ((1000 * ms) / requests).toFixed(0);
  return [
    `\n${title}: PostgreSQL's time per request, by statement (pg_stat_statements, ${requests.toLocaleString('en')} requests; waits for locks count as execution)\n`,
    '| statement | calls per request | execution µs | planning µs |',
    '| --- | ---: | ---: | ---: |',
    ...rows
      // What other work sent meanwhile (a job's poll) and took next to nothing is left out.
      .filter((row) => (1000 * (row.exec_ms + row.plan_ms)) / requests >= 5)
      .map(
        (row) => `| \`${row.query.slice(0, 100)}\` | ${(row.calls / requests).toFixed(2)} | ${per(row.exec_ms)} | ${per(row.plan_ms)} |`,
      ),
    `| in all | | ${per(rows.reduce((sum, row) => sum + row.exec_ms, 0))} | ${per(rows.reduce((sum, row) => sum + row.plan_ms, 0))} |`,
  ];
}

module.exports = { preload, statements, report };
