'use strict';
// Issue 16: outbound webhook deliveries, in one run, on the bench app's own embedded
// PostgreSQL (docs/adr/0021-webhook-delivery.md). run.js restarts the app for this phase from
// bench/webhooks-main.js with RINGFENCE_ROLE=api (it serves and delivers nothing: the workers
// below are the only deliverers) and the SSRF guard's loopback allowance on, so that
// endpoints can point at the sink (bench/webhook-sink.js, its own process, 204 to everything,
// the time each webhook-id arrived).
// (a) deliveries/s with one worker and with two: ENDPOINTS workspaces with one endpoint each
//     (subscribed to every type), created through the admin API; a backlog of DELIVERIES
//     events appended in one statement as the superuser (the fan-out trigger makes the
//     deliveries, as it does for the app); RINGFENCE_ROLE=worker processes of the same build
//     (bench/webhooks-main.js) drain it; the rate is from the backlog's commit until every
//     delivery is `done` (recorded), the first turn's wait included;
// (b) commit → the sink's receipt: with the two workers idle, events appended one statement at
//     a time at half the two workers' rate for the bench's duration; occurred_at (the event's
//     transaction time, PostgreSQL's clock, the same machine's) to the sink's receipt, p50/p99;
// (c) the audited PATCH of issue 14 (the baseline of (a)'s target), then an audited mutation
//     with its outbox row against the same without: POST /v1/vault/secrets/:name/reveal
//     (audited, appends vault.secret.revealed) in a workspace with one subscribed endpoint
//     (each reveal also writes its delivery row; nothing delivers them meanwhile) and in one
//     with none, without / with / without (the mean of the two without is the baseline).
const { fork, spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { newWorkspaces, patchRequests } = require('./audit-ring');
const { cpuSnapshot, since } = require('./process-cpu');
const pgStatements = require('./pg-statements');
const { call, superuser } = require('./support');

const root = join(__dirname, '..');
const { messageIdOf } = require(join(root, 'dist/apps/api/src/webhooks/events/webhook-message'));

const ENDPOINTS = Number(process.env.BENCH_WEBHOOK_ENDPOINTS ?? 8);
const DELIVERIES = Number(process.env.BENCH_WEBHOOK_DELIVERIES ?? 20000);
const WORKERS_TARGET = 2.0;
const OUTBOX_TARGET = 0.9;

/** What run.js gives the app of this phase (and the workers) besides its own environment. */
function appEnv(sinkPort) {
  return { RINGFENCE_ROLE: 'api', WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_PORTS: String(sinkPort) };
}

function startSink(port) {
  const sink = fork(join(__dirname, 'webhook-sink.js'), { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  const ask = (type) =>
    new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message.type !== type) return;
        sink.off('message', onMessage);
        resolve(message);
      };
      sink.on('message', onMessage);
      sink.send({ type }, (error) => error && reject(error));
    });
  const listening = new Promise((resolve, reject) => {
    sink.once('message', (message) => (message.type === 'listening' ? resolve() : reject(new Error('sink'))));
    sink.once('exit', (code) => reject(new Error(`the sink exited (${code})`)));
  });
  return { listening, ask, pid: sink.pid, stop: () => sink.kill('SIGTERM') };
}

/** A RINGFENCE_ROLE=worker process of the build, on the phase's cluster as the app role. */
function startWorker({ dataDir, pgPort, port, sinkPort }) {
  const password = readFileSync(join(dataDir, 'pg.app'), 'utf8').trim();
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(__dirname, 'webhooks-main.js')],
    {
      cwd: root,
      env: {
        ...process.env,
        ...appEnv(sinkPort),
        NODE_ENV: 'development',
        RINGFENCE_ROLE: 'worker',
        DATABASE_URL: `postgres://ringfence_app:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/ringfence`,
        MIGRATE_ON_BOOT: 'false',
        RINGFENCE_DATA_DIR: dataDir,
        PORT: String(port),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return child;
}

async function waitReady(url, child) {
  for (let i = 0; i < 600; i += 1) {
    if (child.exitCode !== null) throw new Error(`${url}: worker exited (${child.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet listening
    }
    await sleep(100);
  }
  throw new Error(`${url}: not ready within 60 s`);
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const APPEND = `INSERT INTO domain_events (workspace_id, environment, type, subject_id, payload)
  SELECT w, 'live', 'vault.secret.revealed', 'bench', jsonb_build_object('name', 'bench', 'version', n, 'revealedBy', 'bench')
    FROM unnest($1::uuid[]) WITH ORDINALITY AS x(w, n)
  RETURNING id, extract(epoch FROM occurred_at) * 1000 AS at`;

/** `count` events, round-robin over the workspaces, in one statement (one transaction). */
async function append(db, workspaces, count, offset = 0) {
  const ids = Array.from({ length: count }, (_, i) => workspaces[(offset + i) % workspaces.length]);
  const { rows } = await db.query(APPEND, [ids]);
  return rows.map((row) => ({ eventId: row.id, id: messageIdOf(row.id), at: Number(row.at) }));
}

/** Appends DELIVERIES events, then waits until the sink has them all and every one is recorded done. */
async function drain(db, sink, workspaces, pids, statements) {
  await sink.ask('reset');
  await statements?.reset();
  const cpuBefore = [...pids.workers, sink.pid].map((pid) => cpuSnapshot(pid, pids.postmaster));
  const started = performance.now();
  const events = await append(db, workspaces, DELIVERIES);
  const committed = performance.now();
  for (;;) {
    const { count } = await sink.ask('count');
    if (count >= DELIVERIES) break;
    if (performance.now() - committed > 600_000) throw new Error(`webhooks: ${count} of ${DELIVERIES} delivered in 10 minutes`);
    await sleep(20);
  }
  const received = performance.now();
  for (;;) {
    const { rows } = await db.query(`SELECT count(*)::int AS left FROM webhook_deliveries WHERE status = 'pending'`);
    if (rows[0].left === 0) break;
    await sleep(20);
  }
  const done = performance.now();
  // CPU ms per delivery: the workers', the sink's, PostgreSQL's, and the machine's busy share.
  const cpu = cpuBefore.map(since);
  const perDelivery = (share, run) => (share * run.seconds * 1000) / DELIVERIES;
  const cpuMs = {
    workers: cpu.slice(0, -1).reduce((sum, run) => sum + perDelivery(run.app, run), 0),
    sink: perDelivery(cpu.at(-1).app, cpu.at(-1)),
    pg: perDelivery(cpu[0].pg, cpu[0]),
    machineBusy: cpu[0].machineBusy,
    cores: cpu[0].cores,
  };
  const byStatement = await statements?.read();
  const { duplicates, received: posts } = await sink.ask('receipts');
  const { rows } = await db.query(
    `SELECT count(*) FILTER (WHERE status <> 'done')::int AS not_done FROM webhook_deliveries WHERE event_id = ANY($1::uuid[])`,
    [events.map((event) => event.eventId)],
  );
  return {
    deliveries: DELIVERIES,
    appendMs: committed - started,
    seconds: (done - committed) / 1000,
    rate: DELIVERIES / ((done - committed) / 1000),
    receivedRate: DELIVERIES / ((received - committed) / 1000),
    duplicates,
    posts,
    notDone: rows[0].not_done,
    cpuMs,
    ...(byStatement ? { statements: byStatement } : {}),
  };
}

/** Events one statement at a time at `rate` deliveries/s for `seconds`; commit → receipt per delivery. */
async function latency(db, sink, workspaces, rate, seconds) {
  await sink.ask('reset');
  const events = [];
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  const until = performance.now() + seconds * 1000;
  let next = performance.now();
  let offset = 0;
  while (performance.now() < until) {
    events.push(...(await append(db, workspaces, perTick, offset)));
    offset += perTick;
    next += tickMs;
    await sleep(Math.max(0, next - performance.now()));
  }
  for (let i = 0; ; i += 1) {
    const { count } = await sink.ask('count');
    if (count >= events.length) break;
    if (i > 3000) throw new Error(`webhooks: ${count} of ${events.length} received`);
    await sleep(20);
  }
  const { receipts } = await sink.ask('receipts');
  const at = new Map(receipts);
  const waits = events.map((event) => at.get(event.id) - event.at).sort((a, b) => a - b);
  const pick = (p) => waits[Math.min(waits.length - 1, Math.floor(p * waits.length))];
  return {
    rate: events.length / seconds,
    deliveries: events.length,
    p50: pick(0.5),
    p99: pick(0.99),
    max: waits[waits.length - 1],
  };
}

/** An API key with vault:write and vault:reveal in a new workspace, and its secret `bench`. */
async function revealer(appUrl, ownerToken, name) {
  const workspace = await call(appUrl, 'POST', '/v1/admin/workspaces', { name }, ownerToken);
  const created = await call(
    appUrl,
    'POST',
    `/v1/admin/workspaces/${workspace.id}/api-keys`,
    { name: 'webhooks bench', scopes: ['vault:write', 'vault:reveal'], environment: 'live' },
    ownerToken,
  );
  await call(appUrl, 'POST', '/v1/vault/secrets', { name: 'bench', value: 'a provider credential for the webhooks bench' }, created.key);
  return { workspaceId: workspace.id, key: created.key };
}

async function measureWebhooks({ appUrl, ownerToken, dataDir, pgPort, sinkPort, workerPorts, measure, statements }) {
  const duration = Number(process.env.BENCH_DURATION ?? 10);
  const sink = startSink(sinkPort);
  const workers = [];
  const db = superuser(dataDir, pgPort);
  await db.connect();
  try {
    await sink.listening;
    const workspaces = [];
    for (let i = 0; i < ENDPOINTS; i += 1) {
      const workspace = await call(appUrl, 'POST', '/v1/admin/workspaces', { name: `webhooks bench ${i}` }, ownerToken);
      await call(
        appUrl,
        'POST',
        `/v1/admin/workspaces/${workspace.id}/webhooks/endpoints?environment=live`,
        { url: `http://127.0.0.1:${sinkPort}/hooks/${i}`, description: 'bench sink' },
        ownerToken,
      );
      workspaces.push(workspace.id);
    }
    const startWorkerReady = async (index) => {
      const child = startWorker({ dataDir, pgPort, port: workerPorts[index], sinkPort });
      workers.push(child);
      await waitReady(`http://127.0.0.1:${workerPorts[index]}/health/ready`, child);
      // Its first turns (the cluster jobs catching up) before the clock starts.
      await sleep(3000);
    };
    const postmaster = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const pids = () => ({ workers: workers.map((worker) => worker.pid), postmaster });
    await startWorkerReady(0);
    // A warm-up: the worker's first deliveries (and the sink's first connections).
    await append(db, workspaces, 500);
    await sleep(3000);
    const one = await drain(db, sink, workspaces, pids(), statements);
    await startWorkerReady(1);
    const two = await drain(db, sink, workspaces, pids(), statements);
    const commitToReceipt = await latency(db, sink, workspaces, Math.min(1000, two.rate / 2), duration);
    for (const worker of workers.splice(0)) await stopChild(worker);

    // The baseline: the audited PATCH of issue 14, then the outbox row's cost.
    const ids = await newWorkspaces(appUrl, ownerToken, 50);
    const patch = await measure(`${appUrl}/v1/admin/workspaces/bench`, 'PATCH', patchRequests(ids, ownerToken));
    const without = await revealer(appUrl, ownerToken, 'webhooks bench, no endpoint');
    const withRow = await revealer(appUrl, ownerToken, 'webhooks bench, one endpoint');
    const endpoint = await call(
      appUrl,
      'POST',
      `/v1/admin/workspaces/${withRow.workspaceId}/webhooks/endpoints?environment=live`,
      { url: `http://127.0.0.1:${sinkPort}/hooks/reveals`, eventTypes: ['vault.secret.revealed'] },
      ownerToken,
    );
    const reveal = (key) => ({ headers: { authorization: `Bearer ${key}` } });
    const revealPath = `${appUrl}/v1/vault/secrets/bench/reveal`;
    const plainFirst = await measure(revealPath, 'POST', reveal(without.key));
    const withOutbox = await measure(revealPath, 'POST', reveal(withRow.key));
    const plainSecond = await measure(revealPath, 'POST', reveal(without.key));
    const { rows } = await db.query(`SELECT count(*)::int AS rows FROM webhook_deliveries WHERE workspace_id = $1`, [withRow.workspaceId]);
    // What piled up is failed (endpoint_disabled) by the next worker turn, not delivered later.
    await call(
      appUrl,
      'PATCH',
      `/v1/admin/workspaces/${withRow.workspaceId}/webhooks/endpoints/${endpoint.id}?environment=live`,
      { enabled: false },
      ownerToken,
    );
    const plain = {
      rps: (plainFirst.rps + plainSecond.rps) / 2,
      p50: (plainFirst.p50 + plainSecond.p50) / 2,
      p99: (plainFirst.p99 + plainSecond.p99) / 2,
      runs: [plainFirst.rps, plainSecond.rps],
    };
    return {
      endpoints: ENDPOINTS,
      one,
      two,
      patch,
      workersRatio: two.rate / patch.rps,
      workersTarget: WORKERS_TARGET,
      scaling: two.rate / one.rate,
      commitToReceipt,
      outbox: { without: plain, with: withOutbox, ratio: withOutbox.rps / plain.rps, target: OUTBOX_TARGET, rowsWritten: rows[0].rows },
    };
  } finally {
    for (const worker of workers) await stopChild(worker);
    await db.end();
    sink.stop();
  }
}

/** The report's lines (markdown). */
function report(result) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const { one, two, patch, commitToReceipt: lat, outbox } = result;
  const drained = (run) =>
    `${run.rate.toFixed(0)} (sink got all at ${run.receivedRate.toFixed(0)}/s; ${run.deliveries} in ${run.seconds.toFixed(1)} s, ${run.duplicates} sent twice, ${run.notDone} not done; CPU ms per delivery: workers ${run.cpuMs.workers.toFixed(2)}, PostgreSQL ${run.cpuMs.pg.toFixed(2)}, sink ${run.cpuMs.sink.toFixed(2)}; machine ${(run.cpuMs.machineBusy * 100).toFixed(0)} % busy of ${run.cpuMs.cores} cores)`;
  return [
    `\nWebhook deliveries (issue 16): outbox → loopback sink (204), ${result.endpoints} endpoints in ${result.endpoints} workspaces, RINGFENCE_ROLE=worker processes of the build; the audited PATCH of the same run as the baseline\n`,
    line(['measurement', 'figure', 'ratio', 'target', '']),
    line(['---', '---:', '---:', '---:', '---']),
    line([
      'PATCH /v1/admin/workspaces/:id (audited mutation), req/s',
      `${patch.rps.toFixed(0)} (p50 ${patch.p50} ms, p99 ${patch.p99} ms)`,
      '',
      '',
      '',
    ]),
    line(['deliveries/s, one worker (commit of the backlog → all recorded done)', drained(one), (one.rate / patch.rps).toFixed(2), '', '']),
    line([
      'deliveries/s, two workers',
      drained(two),
      result.workersRatio.toFixed(2),
      `≥ ${result.workersTarget} × PATCH (moonshot 1,000/s)`,
      result.workersRatio >= result.workersTarget ? 'met' : 'not met',
    ]),
    line(['two workers / one worker', '', result.scaling.toFixed(2), '', '']),
    line([
      `commit → sink's receipt at ${lat.rate.toFixed(0)} deliveries/s (two workers): p50 / p99 / max ms`,
      `${lat.p50.toFixed(0)} / ${lat.p99.toFixed(0)} / ${lat.max.toFixed(0)}`,
      '',
      '(reported)',
      '',
    ]),
    line([
      'POST /v1/vault/secrets/:name/reveal (audited, appends vault.secret.revealed), req/s: no endpoint (mean of the runs before and after)',
      `${outbox.without.rps.toFixed(0)} (${outbox.without.runs.map((rps) => rps.toFixed(0)).join(', ')}; p99 ${outbox.without.p99.toFixed(1)} ms)`,
      '',
      '',
      '',
    ]),
    line([
      `the same with one subscribed endpoint (its delivery row in the same transaction; ${outbox.rowsWritten} rows written)`,
      `${outbox.with.rps.toFixed(0)} (p99 ${outbox.with.p99} ms)`,
      outbox.ratio.toFixed(2),
      `≥ ${outbox.target}`,
      outbox.ratio >= outbox.target ? 'met' : 'not met',
    ]),
    ...(one.statements ? pgStatements.report('Deliveries, one worker (per delivery)', one.statements, one.deliveries) : []),
    ...(two.statements ? pgStatements.report('Deliveries, two workers (per delivery)', two.statements, two.deliveries) : []),
  ];
}

module.exports = { measure: measureWebhooks, report, appEnv };
