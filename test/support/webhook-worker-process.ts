/**
 * A webhook worker in a process of its own, for the spec that kills one with SIGKILL
 * (test/e2e/webhook-workers.spec.ts): the real application booted as `RINGFENCE_ROLE=worker`
 * (its `webhook-delivery` job claims and sends every second) on the database and master key
 * it is given, loopback sinks allowed on one port. It prints `ready` once booted, then
 * runs until it is killed.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register \
 *     test/support/webhook-worker-process.ts <app database URL> <master key, base64> <sink port>
 *
 * The test environment (RF_TEST_*) comes from the spawning jest worker.
 */
import { createTestApp } from './test-app';
import { loopbackSinksOn } from './webhook-sink';

const [appUrl, masterKey, port] = process.argv.slice(2);
if (!appUrl || !masterKey || !port) throw new Error('usage: webhook-worker-process.ts <app database URL> <master key> <sink port>');

createTestApp(
  { appUrl },
  {
    env: { RINGFENCE_ROLE: 'worker' },
    secretFiles: { 'master.v1.key': masterKey },
    configure: loopbackSinksOn(() => [Number(port)]),
  },
).then(
  () => void process.stdout.write('ready\n'),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
