#!/usr/bin/env node
'use strict';
// npm run bench: the built app on an embedded PostgreSQL (fresh data directory) and a bare
// Fastify baseline, both driven by autocannon in the same run; prints requests/s, p50,
// p99 and the ratio to the baseline. Loopback only, bounded in time.
// BENCH_ONLY=pipeline: the references and the three pipeline scenarios only (no hostile
// bodies, rewrap or audit ring); BENCH_ONLY=<text>[,<text>…]: the scenarios whose name
// contains one of them; BENCH_ONLY=audited: the audited mutation against its ceiling only
// (issue 14); BENCH_ONLY=cosigner: the cosigner policy's worst cases only (issue 15);
// BENCH_ONLY=decisions: the cosigner's decisions and duplicates under load, beside the
// audited PATCH and bare Fastify (issue 15); BENCH_ONLY=webhooks: outbound webhook
// deliveries with one and two workers, commit → receipt, and the outbox row's cost, beside
// the audited PATCH (issue 16; bench/webhook-deliveries.js).
// BENCH_APP_NODE_ARGS: extra Node arguments for the app's process
// (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` for a profile of the whole run).
// BENCH_PG_STATEMENTS=1: PostgreSQL restarted with pg_stat_statements, and the decisions'
// report says where its time went, statement by statement (a diagnosis, not figures to compare).
const autocannon = require('autocannon');
const { fork, spawn } = require('node:child_process');
const { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const scenarios = require('./scenarios');
const { fullOwnerSession, loginAccounts, workspaceKey } = require('./admin-setup');
const auditRing = require('./audit-ring');
const vault = require('./vault');
const { hostileBodies } = require('./hostile-bodies');
const auditedMutation = require('./audited-mutation');
const cosignerPolicy = require('./cosigner-policy');
const cosignerDecisions = require('./cosigner-decisions');
const pgStatements = require('./pg-statements');
const webhookDeliveries = require('./webhook-deliveries');

const root = join(__dirname, '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ONLY = process.env.BENCH_ONLY?.trim() || undefined;
const selected = !ONLY
  ? scenarios
  : ONLY === 'audited' || ONLY === 'decisions' || ONLY === 'webhooks'
    ? []
    : scenarios.filter((scenario) =>
        ONLY === 'pipeline' ? scenario.pipeline === true : ONLY.split(',').some((part) => scenario.name.includes(part.trim())),
      );

async function waitFor(url, child) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: server exited (${child.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet listening
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url}: not ready within 60 s`);
}

function load(url, method, duration, extra) {
  return new Promise((resolve, reject) => {
    autocannon({ url, method, connections: CONNECTIONS, duration, ...extra }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function measure(url, method, extra = {}, expectStatus) {
  await load(url, method, 2, extra);
  const result = await load(url, method, DURATION, extra);
  // A scenario that expects a refusal (401) must get nothing else: no 429, no 5xx.
  const answered = Object.values(result.statusCodeStats ?? {}).reduce((sum, stat) => sum + stat.count, 0);
  const unexpected = expectStatus ? answered - (result.statusCodeStats?.[expectStatus]?.count ?? 0) : result.non2xx;
  if (unexpected > 0 || result.errors > 0) {
    const statuses = Object.entries(result.statusCodeStats ?? {})
      .map(([status, stat]) => `${status}×${stat.count}`)
      .join(', ');
    throw new Error(`${url}: ${unexpected} unexpected statuses (${statuses}), ${result.errors} errors`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function main() {
  // In this process, before any server starts: nothing else on the machine meanwhile.
  const cosigner = !ONLY || ONLY === 'cosigner' ? cosignerPolicy.measure() : undefined;
  if (ONLY === 'cosigner') return { rows: [], cosigner };
  const rsa = !ONLY || ONLY === 'decisions' ? cosignerDecisions.rsaCosts() : undefined;
  const workDir = mkdtempSync(join(tmpdir(), 'rf-bench-'));
  chmodSync(workDir, 0o711);
  const appPort = 3800 + Math.floor(Math.random() * 90);
  const basePort = appPort + 100;
  const nestPort = basePort + 1;
  const baseline = fork(join(__dirname, 'baseline-server.js'), { env: { ...process.env, PORT: String(basePort) }, stdio: 'ignore' });
  const bareNest = fork(join(__dirname, 'nest-baseline-server.js'), { env: { ...process.env, PORT: String(nestPort) }, stdio: 'ignore' });
  const dataDir = join(workDir, '.data');
  const pgPort = 56000 + Math.floor(Math.random() * 900);
  const sinkPort = basePort + 2;
  const workerPorts = [basePort + 3, basePort + 4];
  const startApp = (entry, extraEnv = {}) =>
    spawn(process.execPath, [...(process.env.BENCH_APP_NODE_ARGS?.split(' ').filter(Boolean) ?? []), entry], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        DATABASE_URL: '',
        RINGFENCE_DATA_DIR: dataDir,
        PORT: String(appPort),
        EMBEDDED_PG_PORT: String(pgPort),
        LOG_LEVEL: 'warn',
        // The login scenario plays many clients behind one trusted proxy.
        TRUSTED_PROXIES: '127.0.0.1',
        // The request limits stay on and count every request; their ceilings are set above
        // what one client can send here, so the figures measure their cost, not refusals.
        // Set REDIS_URL to measure them counted in Redis.
        RATE_LIMIT_IP_PER_MINUTE: '100000000',
        RATE_LIMIT_PLANS: JSON.stringify({ standard: { perKeyPerMinute: 100000000, perWorkspacePerMinute: 100000000 } }),
        VAULT_REVEALS_PER_MINUTE: '100000',
        VAULT_WORKSPACE_REVEALS_PER_MINUTE: '100000',
        VAULT_MAX_SECRETS: '100000',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  const stopApp = async (child) => {
    // An app that already died emits no second 'exit': waiting for one would hang the run.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  };
  let app = startApp(join(root, 'dist/apps/api/src/main.js'));
  let appOutput = '';
  app.stdout.on('data', (chunk) => (appOutput += chunk));
  const rows = [];
  let ring;
  let rewrap;
  let hostile;
  let audited;
  let decisions;
  let webhooks;
  try {
    await waitFor(`http://127.0.0.1:${basePort}/health/live`, baseline);
    await waitFor(`http://127.0.0.1:${nestPort}/health/live`, bareNest);
    await waitFor(`http://127.0.0.1:${appPort}/health/ready`, app);
    if (!ONLY || ONLY === 'pipeline') {
      const base = await measure(`http://127.0.0.1:${basePort}/health/live`, 'GET');
      const nest = await measure(`http://127.0.0.1:${nestPort}/health/live`, 'GET');
      rows.push({ scenario: 'reference: bare Nest 11, one controller', base, ours: nest, ratio: nest.rps / base.rps });
    }
    const appUrl = `http://127.0.0.1:${appPort}`;
    const ownerToken = await fullOwnerSession(appUrl, appOutput);
    let statements;
    if (process.env.BENCH_PG_STATEMENTS === '1') {
      await pgStatements.preload(dataDir, pgPort);
      await stopApp(app);
      app = startApp(join(root, 'dist/apps/api/src/main.js'));
      app.stdout.resume();
      await waitFor(`${appUrl}/health/ready`, app);
      statements = await pgStatements.statements(dataDir, pgPort);
    }
    let vaultKeys;
    const fixtures = {
      appUrl,
      ownerToken,
      loginAccounts: (count) => loginAccounts(appUrl, ownerToken, count),
      workspaceKey: () => workspaceKey(appUrl, ownerToken),
      vaultKeys: () => (vaultKeys ??= vault.vaultKeys(appUrl, ownerToken)),
    };
    const runScenarios = async (scenarios) => {
      for (const scenario of scenarios) {
        const extra = scenario.prepare ? await scenario.prepare(fixtures) : {};
        const base = await measure(`http://127.0.0.1:${basePort}${scenario.baselinePath}`, 'GET');
        const ours = await measure(`${appUrl}${scenario.path}`, scenario.method, extra, scenario.expectStatus);
        rows.push({
          scenario: scenario.name,
          base,
          ours,
          ratio: ours.rps / base.rps,
          target: scenario.target,
          absolute: scenario.absolute,
        });
      }
    };
    if (selected.length === 0 && ONLY !== 'audited' && ONLY !== 'decisions' && ONLY !== 'webhooks')
      throw new Error(`BENCH_ONLY=${ONLY}: no scenario matches`);
    // The pipeline's reads first, on a quiet machine: after the audited run below, the
    // database goes on working for a while (the sealer linking its rows, autovacuum), and in
    // one full run the pipeline's rows measured after it lost a third (p99 15 ms, not 2-4).
    await runScenarios(selected.filter((scenario) => scenario.pipeline));
    if (!ONLY || ONLY === 'audited') {
      audited = await auditedMutation.measure({
        appUrl,
        ownerToken,
        dataDir,
        pgPort,
        measure,
        connections: CONNECTIONS,
        duration: DURATION,
      });
      if (ONLY === 'audited') return { rows, audited };
    }
    if (!ONLY || ONLY === 'decisions') {
      decisions = await cosignerDecisions.measure({
        appUrl,
        ownerToken,
        dataDir,
        pgPort,
        basePort,
        appPid: app.pid,
        measure,
        connections: CONNECTIONS,
        duration: DURATION,
        statements,
        rsa,
      });
      if (ONLY === 'decisions') return { rows, decisions };
    }
    if (!ONLY || ONLY === 'webhooks') {
      // Issue 16: the app again from the bench entry that lets endpoints point at the loopback
      // sink, serving only (RINGFENCE_ROLE=api): the phase's worker processes alone deliver.
      await stopApp(app);
      app = startApp(join(__dirname, 'webhooks-main.js'), webhookDeliveries.appEnv(sinkPort));
      app.stdout.resume();
      await waitFor(`${appUrl}/health/ready`, app);
      webhooks = await webhookDeliveries.measure({ appUrl, ownerToken, dataDir, pgPort, sinkPort, workerPorts, measure, statements });
      await stopApp(app);
      if (ONLY === 'webhooks') return { rows, webhooks };
      app = startApp(join(root, 'dist/apps/api/src/main.js'));
      app.stdout.resume();
      await waitFor(`${appUrl}/health/ready`, app);
    }
    await runScenarios(selected.filter((scenario) => !scenario.pipeline));
    if (ONLY) return { rows, audited };

    // Issue 12: what a 1 MB hostile body costs the event loop.
    hostile = await hostileBodies(appUrl);

    // Issue 6: keys:rewrap over 100,000 vault versions, online (the app keeps serving).
    await vault.seedVersions(dataDir, pgPort, (await fixtures.vaultKeys())[0].workspaceId);
    rewrap = await vault.rewrapRate(dataDir, pgPort);

    // Issue 5: the auditors' view over 1,000,000 rows, then an audited mutation with the ring on and off.
    const linksBefore = await auditRing.chainLength(dataDir, pgPort);
    const seeded = await auditRing.seed(dataDir, pgPort);
    const sealRate = await auditRing.sealed(dataDir, pgPort, linksBefore, seeded.startedAt);
    const latency = await auditRing.viewLatency(appUrl, ownerToken, seeded.workspaces);
    const patches = await auditRing.patchTargets(appUrl, ownerToken);
    const on = await measure(`${appUrl}/v1/admin/workspaces/bench`, 'PATCH', patches);
    await stopApp(app);
    app = startApp(join(__dirname, 'no-audit-main.js'));
    app.stdout.resume();
    await waitFor(`${appUrl}/health/ready`, app);
    const off = await measure(`${appUrl}/v1/admin/workspaces/bench`, 'PATCH', patches);
    // On, off, on again: the first run meets the colder database and pages the
    // off run then finds warm, so the ring's figure is the mean of the two on runs.
    await stopApp(app);
    app = startApp(join(root, 'dist/apps/api/src/main.js'));
    app.stdout.resume();
    await waitFor(`${appUrl}/health/ready`, app);
    const onAgain = await measure(`${appUrl}/v1/admin/workspaces/bench`, 'PATCH', patches);
    ring = { seeded, sealRate, latency, on: { ...on, rps: (on.rps + onAgain.rps) / 2, runs: [on.rps, onAgain.rps] }, off };
  } finally {
    baseline.kill('SIGTERM');
    bareNest.kill('SIGTERM');
    await stopApp(app);
    rmSync(workDir, { recursive: true, force: true });
  }
  return { rows, hostile, ring, rewrap, audited, decisions, webhooks, cosigner };
}

function report({ rows, hostile, ring, rewrap, audited, decisions, webhooks, cosigner }) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  console.log(
    `\nnode ${process.version}, ${CONNECTIONS} connections, ${DURATION} s per measurement${ONLY ? `, BENCH_ONLY=${ONLY}` : ''}, API_KEY_CACHE_MS=${process.env.API_KEY_CACHE_MS ?? '2000 (default)'}, limits counted ${process.env.REDIS_URL ? 'in Redis' : 'in memory'}\n`,
  );
  console.log(
    line(['scenario', 'bare Fastify req/s', 'measured req/s', 'p50 ms', 'p99 ms', 'bare p99 ms', 'p99 / bare p99', 'ratio', 'target', '']),
  );
  console.log(line(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']));
  for (const row of rows) {
    console.log(
      line([
        row.scenario,
        row.base.rps.toFixed(0),
        row.ours.rps.toFixed(0),
        String(row.ours.p50),
        String(row.ours.p99),
        String(row.base.p99),
        row.absolute ? '' : (row.ours.p99 / Math.max(row.base.p99, 1)).toFixed(1),
        row.absolute ? '(absolute)' : row.ratio.toFixed(2),
        row.target ? `≥ ${row.target}` : '',
        row.target === undefined ? '' : row.ratio < row.target ? 'not met' : 'met',
      ]),
    );
  }
  if (audited) console.log(auditedMutation.report(audited).join('\n'));
  if (decisions) console.log(cosignerDecisions.report(decisions).join('\n'));
  if (webhooks) console.log(webhookDeliveries.report(webhooks).join('\n'));
  if (cosigner) console.log(cosignerPolicy.report(cosigner));
  if (hostile) {
    const ordinary = hostile[0];
    console.log(
      '\nHostile 1 MB bodies (issue 12) to POST /v1/auth/login, 10 sends each, one at a time, /health/live probed every 2 ms meanwhile\n',
    );
    console.log(line(['body', 'status', 'median answer ms', 'ratio to ordinary', 'worst /health/live ms', 'target', '']));
    console.log(line(['---', '---', '---:', '---:', '---:', '---:', '---']));
    // The target is the hostile shapes' (the ordinary body is the baseline); the probe's
    // worst latency is shown, not judged: it shares the sending process's noise.
    for (const row of hostile) {
      const baseline = row === ordinary;
      console.log(
        line([
          row.shape,
          row.statuses.join(','),
          row.answerMs.toFixed(1),
          (row.answerMs / ordinary.answerMs).toFixed(2),
          row.worstProbeMs.toFixed(1),
          baseline ? '(baseline)' : '< 50 ms',
          baseline ? '' : row.answerMs >= 50 ? 'not met' : 'met',
        ]),
      );
    }
  }
  if (ring) {
    const ratio = ring.on.rps / ring.off.rps;
    console.log(
      `\nAudit ring (issue 5), ${auditRing.SEED_ROWS.toLocaleString('en')} rows seeded in ${ring.seeded.seedSeconds.toFixed(0)} s, linked by the sealer at ${ring.sealRate.toFixed(0)} rows/s (seed start to caught up)\n`,
    );
    console.log(line(['measurement', 'ring off', 'ring on', 'ratio / figure', 'target', '']));
    console.log(line(['---', '---:', '---:', '---:', '---:', '---']));
    console.log(
      line([
        'PATCH /v1/admin/workspaces/:id (audited mutation), req/s (on: mean of the runs before and after off)',
        ring.off.rps.toFixed(0),
        `${ring.on.rps.toFixed(0)} (${ring.on.runs.map((rps) => rps.toFixed(0)).join(', ')})`,
        ratio.toFixed(2),
        '≥ 0.8',
        ratio < 0.8 ? 'not met' : 'met',
      ]),
    );
    console.log(
      line([
        'GET /v1/audit/events, filtered page of 50, one at a time: p50 / p95 / p99 ms',
        '',
        '',
        `${ring.latency.p50.toFixed(1)} / ${ring.latency.p95.toFixed(1)} / ${ring.latency.p99.toFixed(1)}`,
        'p95 < 50',
        ring.latency.p95 >= 50 ? 'not met' : 'met',
      ]),
    );
    console.log(
      `\np95 per filter (workspace, action prefix, actor, workspace+action+from, target, outcome+day), ms: ${ring.latency.p95ByFilter.join(' / ')}`,
    );
  }
  if (rewrap) {
    console.log(
      `\nkeys:rewrap (issue 6): ${rewrap.rows.toLocaleString('en')} ciphertexts moved to v2 in ${rewrap.seconds.toFixed(1)} s, ${rewrap.rate.toFixed(0)} ciphertexts/s (batches of 500, online; the command's ${rewrap.bootSeconds.toFixed(1)} s boot excluded)`,
    );
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', 'latest.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        only: ONLY,
        rows,
        auditedMutation: audited,
        cosignerDecisions: decisions,
        webhookDeliveries: webhooks,
        hostileBodies: hostile,
        auditRing: ring,
        rewrap,
        cosignerPolicy: cosigner,
      },
      null,
      2,
    ),
  );
}

main()
  .then(report)
  .catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
