import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { checkpointLine, checkpointPayload } from '../../apps/api/src/audit/checkpoints/checkpoint-format';
import { freePort } from '../../apps/api/src/bootstrap/free-port';
import { readMigrations } from '../../prisma-free';

// Real processes: an embedded PostgreSQL held as `npm start` holds it, and each command its own Node process.
jest.setTimeout(180_000);

const root = join(__dirname, '..', '..');
const { staleness } = require('../../bin/ringfence.js') as { staleness: (root: string) => string | null };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Only what a command needs from the environment: nothing of the test run's database or settings leaks in. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    TS_NODE_PROJECT: join(root, 'tsconfig.json'),
    ...extra,
  };
}

/** A command as `npm run <name>` runs it, unbuilt (under ts-node), in its own process. */
async function cli(file: string, args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', `apps/api/src/bootstrap/${file}.cli.ts`, ...args],
    { cwd: root, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('the commands beside a running server (embedded PostgreSQL)', () => {
  let workDir: string;
  let dataDir: string;
  let pgPort: number;
  let server: ChildProcess;
  let serverPid: number;
  let superuser: Client;
  /** The commands' environment: the same data directory, and another port, which they must not need. */
  let env: Record<string, string>;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'rf-cli-'));
    chmodSync(workDir, 0o711); // as root the server runs as `postgres`, which must pass through
    dataDir = join(workDir, '.data');
    pgPort = await freePort();
    server = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'test/support/embedded-app-database.ts'],
      {
        cwd: root,
        env: baseEnv({ DATABASE_URL: '', RINGFENCE_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const line = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const found = output.split('\n').find((candidate) => candidate.startsWith('{"event"'));
        if (found) resolve(found);
      });
      server.once('exit', (code) => reject(new Error(`the database holder exited (${code}):\n${output}`)));
    });
    const event = JSON.parse(line) as { event: string; pid?: number; message?: string };
    if (event.event !== 'ready') throw new Error(`the database holder failed: ${event.message}`);
    serverPid = event.pid!;
    superuser = new Client({
      host: '127.0.0.1',
      port: pgPort,
      user: 'postgres',
      password: readFileSync(join(dataDir, 'pg.superuser'), 'utf8').trim(),
      database: 'ringfence',
    });
    await superuser.connect();
    await superuser.query(`SELECT set_config('app.platform', 'on', false)`);
    env = { DATABASE_URL: '', RINGFENCE_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
  });

  afterAll(async () => {
    await superuser?.end().catch(() => undefined);
    if (server && server.exitCode === null) {
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      await exited;
    }
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function auditRows(actorId: string): Promise<{ action: string; outcome: string; after: Record<string, unknown> }[]> {
    const { rows } = await superuser.query<{ action: string; outcome: string; after: Record<string, unknown> }>(
      `SELECT action, outcome, after FROM audit_log WHERE actor_type = 'system' AND actor_id = $1 ORDER BY id`,
      [actorId],
    );
    return rows;
  }

  it('admin:create reaches the running server’s database (its port from postmaster.pid) and leaves it running', async () => {
    const run = await cli('admin-create', ['--email', 'ops@example.com', '--role', 'admin'], env);

    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^Admin ops@example\.com \(admin\) created\.\nOne-time password[^\n]*\n\n {2}[0-9A-Z-]{30,}\n/);
    expect(run.stderr).toContain(`port ${pgPort}), served by the running Ringfence (pid ${serverPid})`);
    const { rows } = await superuser.query<{ role: string }>(`SELECT role FROM admins WHERE email = 'ops@example.com'`);
    expect(rows).toEqual([{ role: 'admin' }]);
    expect(await auditRows('admin:create')).toEqual([expect.objectContaining({ action: 'admin.create', outcome: 'success' })]);
    expect(server.exitCode).toBeNull();
    await expect(superuser.query('SELECT 1')).resolves.toBeDefined();
  });

  it('audit:verify attests the chain and records it as system:audit:verify', async () => {
    const run = await cli('audit-verify', [], env);

    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^audit chain intact: \d+ links checked, through seq \d+\n$/);
    expect(await auditRows('audit:verify')).toEqual([
      {
        action: 'audit.verify',
        outcome: 'success',
        after: expect.objectContaining({ fromSeq: 0, intact: true, firstBreak: null }) as unknown,
      },
    ]);
  });

  it('audit:verify --checkpoints catches a superuser who rewrote a row and relinked the chain, and refuses a forged checkpoint (exit 1)', async () => {
    // The chain as the sealer leaves it, and its head signed with the development checkpoint key as the sealer would.
    await superuser.query(`SELECT * FROM audit_seal(100000, '0 seconds')`);
    const { rows } = await superuser.query<{ seq: string; chain_hash: Buffer; audit_id: string }>(
      'SELECT seq, chain_hash, audit_id FROM audit_chain ORDER BY seq DESC LIMIT 1',
    );
    const head = { seq: Number(rows[0]!.seq), headHash: rows[0]!.chain_hash.toString('hex'), at: new Date().toISOString(), keyVersion: 1 };
    const key = createPrivateKey(readFileSync(join(dataDir, 'secrets', 'audit-checkpoint.v1.pem')));
    const signed = { ...head, signature: sign(null, checkpointPayload(head), key).toString('base64url') };
    const checkpoints = mkdtempSync(join(workDir, 'checkpoints-'));
    writeFileSync(join(checkpoints, 'checkpoints.jsonl'), `${checkpointLine(signed)}\n`);

    const intact = await cli('audit-verify', ['--checkpoints', checkpoints], env);
    expect(intact).toMatchObject({ code: 0 });
    expect(intact.stdout).toContain('audit checkpoints intact: 1 signed checkpoints match the chain\n');

    // No checkpoint at all (the files deleted, the wrong directory) is no verdict; what is not *.jsonl is named as skipped.
    const empty = mkdtempSync(join(workDir, 'empty-'));
    writeFileSync(join(empty, 'notes.txt'), 'not a checkpoint file');
    const nothing = await cli('audit-verify', ['--checkpoints', empty], env);
    expect(nothing).toMatchObject({ code: 1 });
    expect(nothing.stdout).toContain('audit checkpoints: skipped 1 entries not *.jsonl: notes.txt\n');
    expect(nothing.stdout).toContain('audit checkpoint FAILED (the checkpoint directory): no checkpoints to check\n');

    // A forged line (the head changed, the signature kept) is refused.
    const forged = mkdtempSync(join(workDir, 'forged-'));
    writeFileSync(join(forged, 'checkpoints.jsonl'), `${checkpointLine({ ...signed, headHash: 'ab'.repeat(32) })}\n`);
    const refused = await cli('audit-verify', ['--checkpoints', forged], env);
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.stdout).toContain(
      `audit checkpoint FAILED at seq ${head.seq} (checkpoints.jsonl:1): checkpoint signature does not verify`,
    );

    // The head's row rewritten and its link recomputed: the chain verifies, the checkpoint does not.
    await superuser.query('BEGIN');
    await superuser.query('SET LOCAL session_replication_role = replica');
    await superuser.query(`UPDATE audit_log SET reason = 'rewritten' WHERE id = $1`, [rows[0]!.audit_id]);
    await superuser.query(
      `UPDATE audit_chain c SET row_hash = audit_row_hash(a), chain_hash = sha256(coalesce((SELECT p.chain_hash FROM audit_chain p WHERE p.seq = c.seq - 1), '\\x${'00'.repeat(32)}'::bytea) || audit_row_hash(a))
         FROM audit_log a WHERE a.id = c.audit_id AND c.seq = $1`,
      [head.seq],
    );
    await superuser.query('COMMIT');
    const caught = await cli('audit-verify', ['--checkpoints', checkpoints], env);
    expect(caught).toMatchObject({ code: 1 });
    expect(caught.stdout).toMatch(/^audit chain intact: \d+ links checked/);
    expect(caught.stdout).toContain(
      `audit checkpoint FAILED at seq ${head.seq} (checkpoints.jsonl:1): the chain hash differs from the signed checkpoint`,
    );
  });

  it('keys:rewrap runs online and records what it moved and what is left as system:keys-rewrap', async () => {
    const run = await cli('keys-rewrap', ['--batch', '50'], env);

    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^active master key version: 1\n[\s\S]*older versions can be retired\n$/);
    expect(await auditRows('keys-rewrap')).toEqual([
      { action: 'master_key.rewrap', outcome: 'success', after: { activeVersion: 1, batch: 50, moved: 0, unreadable: {}, left: [] } },
    ]);
  });

  it('migrate:status lists every migration applied, then names a changed and a pending one (exit 1)', async () => {
    const migrations = readMigrations();
    const last = migrations[migrations.length - 1]!;
    const upToDate = await cli('migrate', ['status'], env);
    expect(upToDate).toMatchObject({ code: 0 });
    expect(upToDate.stdout).toContain(`schema is up to date: ${migrations.length} applied\n`);
    expect(upToDate.stdout).toMatch(new RegExp(`^${last.version}_${last.name} +applied +\\d{4}-`, 'm'));

    const [first] = migrations;
    const { rows } = await superuser.query<{ version: string; name: string; checksum: string; applied_at: Date }>(
      `SELECT version, name, checksum, applied_at FROM schema_migrations WHERE version = $1`,
      [last.version],
    );
    await superuser.query(`UPDATE schema_migrations SET checksum = 'tampered' WHERE version = $1`, [first!.version]);
    await superuser.query(`DELETE FROM schema_migrations WHERE version = $1`, [last.version]);
    try {
      const drifted = await cli('migrate', ['status'], env);
      expect(drifted).toMatchObject({ code: 1 });
      expect(drifted.stdout).toMatch(new RegExp(`^${first!.version}_${first!.name} +CHECKSUM MISMATCH`, 'm'));
      expect(drifted.stdout).toMatch(new RegExp(`^${last.version}_${last.name} +pending\\n`, 'm'));
      expect(drifted.stdout).toContain(
        `${migrations.length - 2} applied; 1 pending (npm run migrate applies them); 1 changed since applied\n`,
      );
    } finally {
      await superuser.query(`UPDATE schema_migrations SET checksum = $2 WHERE version = $1`, [first!.version, first!.checksum]);
      await superuser.query(`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)`, [
        rows[0]!.version,
        rows[0]!.name,
        rows[0]!.checksum,
        rows[0]!.applied_at,
      ]);
    }
  });

  it('migrate (up) on the running server’s database has nothing to apply', async () => {
    const run = await cli('migrate', [], env);

    expect(run).toEqual({
      code: 0,
      stdout: 'schema is up to date\n',
      stderr: expect.stringContaining('served by the running Ringfence') as unknown,
    });
  });

  it('migrate down then up change the schema and are audited as system:migrate', async () => {
    const migrations = readMigrations();
    const last = `${migrations[migrations.length - 1]!.version}_${migrations[migrations.length - 1]!.name}`;
    const down = await cli('migrate', ['down', '--steps', '1'], env);
    expect(down).toMatchObject({ code: 0, stdout: `reverted ${last}\nreverted 1 migration(s)\n` });
    const up = await cli('migrate', ['up'], env);
    expect(up).toMatchObject({ code: 0, stdout: `applied ${last}\napplied 1 migration(s)\n` });

    expect(await auditRows('migrate')).toEqual([
      { action: 'schema.revert', outcome: 'success', after: { migrations: [last] } },
      { action: 'schema.migrate', outcome: 'success', after: { migrations: [last] } },
    ]);
  });
});

describe('what a command says when it cannot work', () => {
  it('prints the real cause of an unreachable DATABASE_URL, naming where, never the password nor "undefined" (exit 1)', async () => {
    const port = await freePort(); // nothing listens there
    const dataDir = mkdtempSync(join(tmpdir(), 'rf-cli-bad-'));
    try {
      const run = await cli('audit-verify', [], {
        // secretlint-disable-next-line -- a made-up credential: the spec checks it is never echoed
        DATABASE_URL: `postgres://ringfence_app:hunter2-secret@127.0.0.1:${port}/nowhere`,
        RINGFENCE_DATA_DIR: dataDir,
      });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `audit:verify failed: cannot connect to the database of DATABASE_URL (ringfence_app@127.0.0.1:${port}/nowhere)\n  caused by: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/undefined|hunter2-secret/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.each([
    ['admin-create', 'admin:create', '--email <address>'],
    ['audit-verify', 'audit:verify', '--checkpoints <dir>'],
    ['keys-rewrap', 'keys:rewrap', '--batch <n>'],
    ['migrate', 'migrate', 'status'],
    ['demo', 'demo', 'npm run demo'],
  ])('%s --help prints the usage, examples and exit codes (exit 0)', async (file, name, mentions) => {
    for (const flag of ['--help', '-h']) {
      const run = await cli(file, [flag], {});

      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toContain(`usage: ringfence ${name}`);
      expect(run.stdout).toContain(mentions);
      expect(run.stdout).toMatch(/\nexamples:\n {2}npm run /);
      expect(run.stdout).toMatch(/\nexit codes:\n {2}0 {3}[\s\S]*\n {2}64 {2}bad usage/);
    }
  });

  it.each([
    ['keys-rewrap', ['--bogus'], "keys:rewrap: unknown option '--bogus'"],
    ['admin-create', ['--email'], "admin:create: option '--email <value>' argument missing"],
    [
      'admin-create',
      ['--email', 'ops@example.com', '--role', 'root'],
      "admin:create: --role must be one of owner, admin, auditor (got 'root')",
    ],
    ['keys-rewrap', ['--batch', '2001'], "keys:rewrap: --batch must be a whole number from 1 to 2000 (got '2001')"],
    ['audit-verify', ['--from', '-1'], "audit:verify: option '--from' argument is ambiguous."],
    ['migrate', ['sideways'], "migrate: unknown command 'sideways' (one of: up, status, down)"],
    ['audit-verify', ['extra'], "audit:verify: unexpected argument 'extra': this command takes options only"],
  ])('%s %j is a usage error naming it (exit 64)', async (file, args, said) => {
    const run = await cli(file, args, {});

    expect(run).toMatchObject({ code: 64, stdout: '' });
    expect(run.stderr.split('\n')[0]).toBe(said);
    expect(run.stderr).toContain('-- --help');
  });
});

describe('the built commands', () => {
  // The build rewrites the `@ringfence/*` paths of static imports only: an `import()` of one works under ts-node and fails in dist.
  it('load no lib by an import() (the build would leave its path unresolved)', () => {
    const found = spawnSync('git', ['grep', '--untracked', '-n', '-E', 'import\\([\'"]@ringfence/', '--', 'apps', 'libs'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect({ status: found.status, lines: found.stdout }).toEqual({ status: 1, lines: '' });
  });
});

describe('bin/ringfence.js: build once, again only when a source changed', () => {
  // A checkout's files, made in a temporary directory (joined, so that no path here reads as one of this repository's).
  const MAIN = ['apps', 'api', 'src', 'main.ts'].join('/');
  const SPEC = ['apps', 'api', 'src', 'main.spec.ts'].join('/');
  const SNAPSHOT = ['apps', 'api', 'src', '__snapshots__', 'a.snap'].join('/');
  const MIGRATION = ['prisma-free', 'migrations', '0001_a.up.sql'].join('/');
  let checkout: string;

  beforeEach(() => {
    checkout = mkdtempSync(join(tmpdir(), 'rf-stale-'));
    mkdirSync(join(checkout, dirname(SNAPSHOT)), { recursive: true });
    mkdirSync(join(checkout, dirname(MIGRATION)), { recursive: true });
    mkdirSync(join(checkout, 'dist'));
    for (const file of [MAIN, SPEC, SNAPSHOT, MIGRATION]) {
      writeFileSync(join(checkout, file), '');
    }
  });

  afterEach(() => rmSync(checkout, { recursive: true, force: true }));

  const at = (file: string, seconds: number): void => utimesSync(join(checkout, file), seconds, seconds);

  function built(seconds: number): void {
    writeFileSync(join(checkout, 'dist/.build-stamp'), '');
    at('dist/.build-stamp', seconds);
  }

  it('asks for a build when there is none', () => {
    expect(staleness(checkout)).toBe('no build yet (dist/.build-stamp is missing)');
  });

  it('runs the build as it is when nothing it compiles changed since (specs and snapshots do not count)', () => {
    for (const file of [MAIN, MIGRATION]) at(file, 1_000);
    for (const file of [SPEC, SNAPSHOT]) at(file, 3_000);
    built(2_000);

    expect(staleness(checkout)).toBeNull();
  });

  it.each([MAIN, MIGRATION])('rebuilds when %s changed after the build', (file) => {
    for (const other of [MAIN, MIGRATION]) at(other, 1_000);
    built(2_000);
    at(file, 3_000);

    expect(staleness(checkout)).toBe(`${file} changed`);
  });
});
