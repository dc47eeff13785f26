'use strict';
// Issue 12: what a 1 MB hostile body costs the event loop. Each shape is sent 10 times, one
// at a time, while a probe asks /health/live every 2 ms; reported: the median time to
// answer it, and the worst probe latency while it was being refused, beside the same
// figures for an ordinary 1 MB body (one long string field) in the same run.

const { Worker } = require('node:worker_threads');

const ONE_MB = 1024 * 1024;
const SHAPES = {
  'ordinary: one 1 MB string field': () => JSON.stringify({ password: 'a'.repeat(ONE_MB - 20) }),
  '90,000 unknown keys': () => `{${Array.from({ length: 90_000 }, (_, i) => `"k${i}":1`).join(',')}}`,
  'a 523,000-item array': () => `[${'0,'.repeat(523_000)}0]`,
  'objects nested 170,000 deep': () => `${'{"a":'.repeat(170_000)}1${'}'.repeat(170_000)}`,
  'arrays nested 500,000 deep': () => `${'['.repeat(500_000)}${']'.repeat(500_000)}`,
  '300 objects of 300 keys': () =>
    `[${Array.from({ length: 300 }, () => `{${Array.from({ length: 300 }, (_, i) => `"k${i}":1`).join(',')}}`).join(',')}]`,
};
const SENDS = 10;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Probes /health/live back to back (2 ms apart) from a worker thread, so the probe's own
 * latency is not this thread's (which builds and sends the hostile bodies); stopping it
 * returns the worst latency seen.
 */
function probe(appUrl) {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     let running = true, worst = 0;
     parentPort.on('message', () => (running = false));
     (async () => {
       while (running) {
         const started = performance.now();
         await fetch(workerData + '/health/live').then((response) => response.arrayBuffer());
         worst = Math.max(worst, performance.now() - started);
         await new Promise((resolve) => setTimeout(resolve, 2));
       }
       parentPort.postMessage(worst);
     })();`,
    { eval: true, workerData: appUrl },
  );
  return () =>
    new Promise((resolve, reject) => {
      worker.once('message', (worst) => void worker.terminate().then(() => resolve(worst)));
      worker.once('error', reject);
      worker.postMessage('stop');
    });
}

async function hostileBodies(appUrl) {
  const rows = [];
  for (const [shape, make] of Object.entries(SHAPES)) {
    const body = make();
    const stop = probe(appUrl);
    const times = [];
    const statuses = new Set();
    for (let i = 0; i < SENDS; i++) {
      const started = performance.now();
      const response = await fetch(`${appUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.50.0.${i}` },
        body,
      });
      await response.arrayBuffer();
      times.push(performance.now() - started);
      statuses.add(response.status);
    }
    rows.push({ shape, bytes: Buffer.byteLength(body), answerMs: median(times), worstProbeMs: await stop(), statuses: [...statuses] });
  }
  return rows;
}

module.exports = { hostileBodies };
