#!/usr/bin/env node
// The README's start path, end to end on the built app: a fresh data directory, the
// embedded PostgreSQL, a development key, ready, SIGTERM; then a second start that
// reuses all of it, a start after kill -9, a start on a held port, and the commands.
// Exits non-zero on the first failure.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { createPublicKey, randomBytes } = require('node:crypto');
const {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} = require('node:fs');
const { once } = require('node:events');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
// `npm run smoke`, after `npm run build`: npm's scripts run the Node that npm ci installs,
// and every process below (the app, its commands) is started with this same binary.
const { unsupportedNode } = require(join(root, 'dist/apps/api/src/bootstrap/node-runtime.js'));
const workDir = mkdtempSync(join(tmpdir(), 'rf-smoke-'));
chmodSync(workDir, 0o711); // like a project checkout: the embedded server's user must pass through
const dataDir = join(workDir, '.data');
const port = 3900 + Math.floor(Math.random() * 90);
const pgPort = 55000 + Math.floor(Math.random() * 900);

const started = new Set();

function start() {
  const child = spawn(process.execPath, [join(root, 'dist/apps/api/src/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      RINGFENCE_DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(pgPort),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.output = '';
  child.stdout.on('data', (chunk) => (child.output += chunk));
  child.stderr.on('data', (chunk) => (child.output += chunk));
  return child;
}

async function waitReady(child) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`exited early (${child.exitCode}):\n${child.output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready within 60 s:\n${child.output}`);
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) [ZX] /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}

async function stop(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const code = await exited;
  if (code !== 0) throw new Error(`SIGTERM exit code ${code}:\n${child.output}`);
}

async function main() {
  const unsupported = unsupportedNode(process.versions.node);
  if (unsupported) throw new Error(unsupported);
  const first = start();
  await waitReady(first);
  // The app says which Node it runs on when it starts to listen: this one. (Its log is asynchronous: the line may trail readiness.)
  const listeningLine = () => first.output.split('\n').find((line) => line.startsWith('{') && line.includes('Ringfence API listening on'));
  for (let i = 0; i < 50 && !listeningLine(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  if (JSON.parse(listeningLine() ?? '{}').node !== process.version) {
    throw new Error(`the app did not log node ${process.version} as it started:\n${first.output}`);
  }
  console.log(`ok - the app and its commands run on node ${process.version} (${process.execPath})`);
  const docs = await fetch(`http://127.0.0.1:${port}/docs-json`);
  if (docs.status !== 200) throw new Error(`/docs-json answered ${docs.status}`);
  if (!/DEVELOPMENT KEYS GENERATED/.test(first.output)) throw new Error('no development key warning');
  // The first owner: printed once on the terminal, and the printed password opens a setup session.
  const owner = /email:\s+(\S+)\s.*\n.*one-time password:\s+(\S+)/.exec(first.output);
  if (!owner) throw new Error(`no first-owner credential printed:\n${first.output}`);
  const login = await fetch(`http://127.0.0.1:${port}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: owner[1], password: owner[2] }),
  });
  const answer = await login.json();
  if (login.status !== 200 || answer.status !== 'setup_required')
    throw new Error(`first-owner login: ${login.status} ${JSON.stringify(answer)}`);
  // A TOTP enrolment begun: one sealed value (the pending secret) for the rewrap below.
  const enrolled = await fetch(`http://127.0.0.1:${port}/v1/auth/totp/enroll`, {
    method: 'POST',
    headers: { authorization: `Bearer ${answer.session.accessToken}` },
  });
  if (enrolled.status !== 201 && enrolled.status !== 200) throw new Error(`TOTP enrolment: ${enrolled.status} ${await enrolled.text()}`);
  const logLines = first.output.split('\n').filter((line) => line.startsWith('{'));
  if (logLines.some((line) => line.includes(owner[2]))) throw new Error('the one-time password reached a log line');
  const keyFile = join(dataDir, 'secrets', 'master.v1.key');
  if ((statSync(keyFile).mode & 0o777) !== 0o600) throw new Error('master key is not mode 0600');
  const key = readFileSync(keyFile, 'utf8');
  if (first.output.includes(key.trim())) throw new Error('the master key reached the log');
  // The co-signer's keys: ours in the secrets directory, the simulator's private one beside it, neither in a log;
  // the public-key route serves the public half of ours.
  const responseKey = readFileSync(join(dataDir, 'secrets', 'cosigner-response.v1.pem'), 'utf8');
  const simulatorKey = readFileSync(join(dataDir, 'simulator', 'cosigner-simulator.v1.pem'), 'utf8');
  for (const pem of [responseKey, simulatorKey]) {
    if (first.output.includes(pem.split('\n')[1])) throw new Error('a cosigner private key reached the log');
  }
  const published = await (await fetch(`http://127.0.0.1:${port}/v1/cosigner/simulator/public-key`)).json();
  if (published.publicKeyPem !== createPublicKey(responseKey).export({ type: 'spki', format: 'pem' }) || published.kid !== 'v1') {
    throw new Error(`the public-key route does not serve the response key: ${JSON.stringify(published)}`);
  }
  await stop(first);
  console.log('ok - first start: embedded database, migrations, development keys (cosigner ones too), first owner, ready, graceful stop');

  const second = start();
  await waitReady(second);
  if (readFileSync(keyFile, 'utf8') !== key) throw new Error('second start replaced the master key');
  if (/DEVELOPMENT KEYS GENERATED|applied 0001|one-time password/.test(second.output))
    throw new Error('second start did not reuse the data');
  await stop(second);
  console.log('ok - second start reuses the database and the key');

  // The command-line tools, on the same embedded database.
  const cliWith = (env, name, ...args) =>
    spawnSync(process.execPath, [join(root, `dist/apps/api/src/bootstrap/${name}.cli.js`), ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', RINGFENCE_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });
  const cli = (name, ...args) => cliWith({}, name, ...args);

  // kill -9: the embedded PostgreSQL outlives its owner; the next start stops it and serves.
  const killed = start();
  await waitReady(killed);
  const orphan = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const killedExit = new Promise((resolve) => killed.once('exit', resolve));
  killed.kill('SIGKILL');
  await killedExit;
  if (!isRunning(orphan)) throw new Error('after kill -9 the embedded PostgreSQL did not outlive its owner: the step below proves nothing');
  const restarted = start();
  await waitReady(restarted);
  if (isRunning(orphan)) throw new Error(`the PostgreSQL left by the killed start (pid ${orphan}) still runs`);
  if (!restarted.output.includes(`a PostgreSQL (pid ${orphan}, port ${pgPort}) is still running`))
    throw new Error(`the restart did not say it stopped the leftover server:\n${restarted.output}`);
  // While the service runs on it, a command on the same data directory uses the service's PostgreSQL (its port read
  // from postmaster.pid, whatever EMBEDDED_PG_PORT says), and leaves it serving.
  const busy = cliWith({ EMBEDDED_PG_PORT: '1025' }, 'admin-create', '--email', 'busy@example.com');
  if (busy.status !== 0 || !busy.stderr.includes(`(port ${pgPort}), served by the running Ringfence (pid ${restarted.pid})`)) {
    throw new Error(`admin:create while the service runs: exit ${busy.status}\n${busy.stdout}${busy.stderr}`);
  }
  if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).status !== 200) throw new Error('the service stopped serving after a command');
  await stop(restarted);
  console.log('ok - after kill -9 the next start stops the leftover PostgreSQL and serves; a command meanwhile uses its database');

  // A port held by another process: the start fails naming it, and prints no secret.
  const holder = createServer().listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const heldPort = holder.address().port;
  const blocked = spawnSync(process.execPath, [join(root, 'dist/apps/api/src/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      RINGFENCE_DATA_DIR: join(workDir, 'blocked'),
      PORT: String(port),
      EMBEDDED_PG_PORT: String(heldPort),
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  holder.close();
  const superuser = readFileSync(join(workDir, 'blocked', 'pg.superuser'), 'utf8').trim();
  if (
    blocked.status !== 1 ||
    !blocked.stderr.includes(`Ringfence failed to start: port ${heldPort} on 127.0.0.1 is already in use by another process`) ||
    `${blocked.stdout}${blocked.stderr}`.includes(superuser)
  ) {
    throw new Error(`start on a held port: exit ${blocked.status}\n${blocked.stdout}${blocked.stderr}`);
  }
  console.log('ok - a start on a port another process holds fails naming the port');
  const createAdmin = () => cli('admin-create', '--email', 'ops@example.com', '--role', 'admin');
  const created = createAdmin();
  if (
    created.status !== 0 ||
    !/ops@example\.com \(admin\) created[\s\S]*One-time password[\s\S]*\n {2}[0-9A-Z-]{30,}\n/.test(created.stdout)
  ) {
    throw new Error(`admin:create: exit ${created.status}\n${created.stdout}${created.stderr}`);
  }
  const again = createAdmin();
  if (again.status !== 1 || !again.stderr.includes('already exists'))
    throw new Error(`admin:create twice: exit ${again.status}\n${again.stderr}`);
  console.log('ok - admin:create prints a one-time password once, and refuses a second admin with the same email');

  // `npm run audit:verify` on the same database: the chain so far is intact.
  const verified = cli('audit-verify');
  if (verified.status !== 0 || !/^audit chain intact: \d+ links checked/.test(verified.stdout)) {
    throw new Error(`audit:verify: exit ${verified.status}\n${verified.stdout}${verified.stderr}`);
  }
  console.log('ok - audit:verify reports the chain intact');

  // `npm run keys:rewrap`: everything already under the active version, nothing to retire.
  const rewrapped = cli('keys-rewrap');
  if (rewrapped.status !== 0 || !/^active master key version: 1\n[\s\S]*older versions can be retired/.test(rewrapped.stdout)) {
    throw new Error(`keys:rewrap: exit ${rewrapped.status}\n${rewrapped.stdout}${rewrapped.stderr}`);
  }
  console.log('ok - keys:rewrap reports the values per key version');

  // Rotation: v2 added and made active, the rewrap moves the sealed value to it.
  const v2 = join(dataDir, 'secrets', 'master.v2.key');
  writeFileSync(v2, randomBytes(32).toString('base64'), { mode: 0o600 });
  const rotated = cliWith({ MASTER_KEY_ACTIVE_VERSION: '2' }, 'keys-rewrap');
  if (
    rotated.status !== 0 ||
    !/^active master key version: 2\n {2}admins\.totp_pending_secret: 1 under v2\n[\s\S]*older versions can be retired/.test(rotated.stdout)
  ) {
    throw new Error(`keys:rewrap to v2: exit ${rotated.status}\n${rotated.stdout}${rotated.stderr}`);
  }
  // v2 lost while a value still names it: nothing can move it, the command says so and exits 1.
  rmSync(v2);
  const stuck = cli('keys-rewrap');
  if (stuck.status !== 1 || !/still under older versions: v2/.test(stuck.stdout) || !/1 values did not decrypt/.test(stuck.stderr)) {
    throw new Error(`keys:rewrap with a value under a missing key: exit ${stuck.status}\n${stuck.stdout}${stuck.stderr}`);
  }
  for (const batch of ['0', '2001']) {
    const usage = cli('keys-rewrap', '--batch', batch);
    if (usage.status !== 64) throw new Error(`keys:rewrap --batch ${batch}: exit ${usage.status}`);
  }
  console.log('ok - keys:rewrap moves values to a new version, exits 1 while one cannot move, and refuses a batch outside 1..2000');

  // The production image's layout (dist, bin and node_modules, no sources, so nothing to build): `ringfence migrate:status`
  // runs dist as it is, on the same embedded database.
  const image = join(workDir, 'image');
  mkdirSync(join(image, 'bin'), { recursive: true });
  copyFileSync(join(root, 'bin', 'ringfence.js'), join(image, 'bin', 'ringfence.js'));
  symlinkSync(join(root, 'dist'), join(image, 'dist'));
  symlinkSync(join(root, 'node_modules'), join(image, 'node_modules'));
  const status = spawnSync(process.execPath, [join(image, 'bin', 'ringfence.js'), 'migrate:status'], {
    cwd: image,
    env: { ...process.env, DATABASE_URL: '', RINGFENCE_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (status.status !== 0 || !/\nschema is up to date: \d+ applied\n$/.test(status.stdout) || /building/.test(status.stderr)) {
    throw new Error(`ringfence migrate:status from an image's layout: exit ${status.status}\n${status.stdout}${status.stderr}`);
  }
  console.log('ok - bin/ringfence.js runs the built commands where there are no sources (the image), building nothing');

  // Production refuses to boot on a malformed key, naming the file and never its content.
  const secrets = join(workDir, 'prod-secrets');
  mkdirSync(secrets, { mode: 0o700 });
  writeFileSync(join(secrets, 'master.v1.key'), 'c2hvcnQta2V5LXNlY3JldA==\n', { mode: 0o600 });
  const startProduction = (env = {}) => {
    const run = spawnSync(process.execPath, [join(root, 'dist/apps/api/src/main.js')], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://ringfence_app@127.0.0.1:1/none',
        MIGRATE_ON_BOOT: 'false',
        RINGFENCE_SECRETS_DIR: secrets,
        SMTP_URL: 'smtp://127.0.0.1:1',
        CONSOLE_URL: 'https://ringfence.example.com/console',
        ...env,
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { status: run.status, said: `${run.stdout}${run.stderr}` };
  };
  const refused = startProduction();
  if (refused.status === 0 || !refused.said.includes('master.v1.key') || refused.said.includes('c2hvcnQta2V5LXNlY3JldA')) {
    throw new Error(`production boot with a malformed key: exit ${refused.status}\n${refused.said}`);
  }
  console.log('ok - production refuses a malformed master key, naming the file only');

  // Production generates no cosigner key: the boot stops at the first one missing, before the database, naming it.
  for (const name of ['master.v1.key', 'jwt-signing.v1.pem', 'api-key-pepper.v1.key']) {
    copyFileSync(join(dataDir, 'secrets', name), join(secrets, name));
  }
  const noResponseKey = startProduction();
  if (noResponseKey.status !== 1 || !/cosigner-response\.v1\.pem.*no cosigner response key/.test(noResponseKey.said)) {
    throw new Error(`production boot without a cosigner response key: exit ${noResponseKey.status}\n${noResponseKey.said}`);
  }
  copyFileSync(join(dataDir, 'secrets', 'cosigner-response.v1.pem'), join(secrets, 'cosigner-response.v1.pem'));
  const noProviderKey = startProduction({ COSIGNER_PROVIDERS: 'acme' });
  if (noProviderKey.status !== 1 || !/cosigner-acme\.pub\.v1\.pem.*no acme co-signer public key/.test(noProviderKey.said)) {
    throw new Error(`production boot without a provider's public key: exit ${noProviderKey.status}\n${noProviderKey.said}`);
  }
  const simulator = startProduction({ COSIGNER_PROVIDERS: 'simulator' });
  if (simulator.status !== 78 || !/COSIGNER_PROVIDERS names "simulator", which is refused in production/.test(simulator.said)) {
    throw new Error(`production boot with the simulator: exit ${simulator.status}\n${simulator.said}`);
  }
  // The fireblocks adapter's API user: an http base is refused, then each file missing stops the boot, named.
  copyFileSync(join(dataDir, 'secrets', 'cosigner-simulator.pub.v1.pem'), join(secrets, 'cosigner-fireblocks.pub.v1.pem'));
  const fireblocks = { COSIGNER_PROVIDERS: 'fireblocks', FIREBLOCKS_BASE_URL: 'https://127.0.0.1:1' };
  const plainHttp = startProduction({ ...fireblocks, FIREBLOCKS_BASE_URL: 'http://127.0.0.1:1' });
  if (plainHttp.status !== 78 || !/FIREBLOCKS_BASE_URL must be https in production/.test(plainHttp.said)) {
    throw new Error(`production boot with an http provider API: exit ${plainHttp.status}\n${plainHttp.said}`);
  }
  const noApiKey = startProduction(fireblocks);
  if (noApiKey.status !== 1 || !/fireblocks-api-key\.v1\.key.*no Fireblocks API key/.test(noApiKey.said)) {
    throw new Error(`production boot without the Fireblocks API key: exit ${noApiKey.status}\n${noApiKey.said}`);
  }
  const apiKey = randomBytes(16).toString('hex');
  writeFileSync(join(secrets, 'fireblocks-api-key.v1.key'), apiKey, { mode: 0o600 });
  const noApiPem = startProduction(fireblocks);
  if (noApiPem.status !== 1 || !/fireblocks-api\.v1\.pem.*cannot be opened/.test(noApiPem.said) || noApiPem.said.includes(apiKey)) {
    throw new Error(`production boot without the Fireblocks API user's key: exit ${noApiPem.status}\n${noApiPem.said}`);
  }
  if ([noResponseKey, noProviderKey].some(({ said }) => said.includes(responseKey.split('\n')[1])))
    throw new Error('a key reached the output');
  // The conformance page's published test key as our response key: refused, named by its file.
  const page = readFileSync(join(root, 'docs/conformance/cosigner.md'), 'utf8');
  // The page's labelled block (```pem private) of the `response-key` section, read as the conformance spec reads it.
  const section = page.slice(page.indexOf('### `response-key`'));
  const opened = section.indexOf('```pem private\n') + '```pem private\n'.length;
  const publishedKey = section.slice(opened, section.indexOf('\n```', opened));
  writeFileSync(join(secrets, 'cosigner-response.v1.pem'), `${publishedKey}\n`, { mode: 0o600 });
  const testVector = startProduction();
  if (testVector.status !== 1 || !/cosigner-response\.v1\.pem.*the conformance vectors’ response key/.test(testVector.said)) {
    throw new Error(`production boot with the published test response key: exit ${testVector.status}\n${testVector.said}`);
  }
  console.log(
    'ok - production refuses to start without the cosigner response key, a provider key or the fireblocks API user, naming the file, and refuses the simulator, an http provider API and the published test response key',
  );
}

/** Whatever a failed step left: its app processes, the servers of its data directories (by their lock and working directory), the work directory. */
async function cleanUp() {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pg of [join(dataDir, 'pg'), join(workDir, 'blocked', 'pg')]) {
    let pid;
    try {
      pid = Number(readFileSync(join(pg, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      continue;
    }
    const serves = () => {
      try {
        return isRunning(pid) && readlinkSync(`/proc/${pid}/cwd`) === pg;
      } catch {
        return false;
      }
    };
    if (!serves()) continue;
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 300 && serves(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  rmSync(workDir, { recursive: true, force: true });
}

main()
  .then(cleanUp)
  .catch(async (error) => {
    console.error(`not ok - ${error.message}`);
    await cleanUp().catch(() => undefined);
    process.exit(1);
  });
