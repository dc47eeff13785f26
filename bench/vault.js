'use strict';
// Issue 6's figures: vault create and reveal against the bare baseline (scenarios.js), and
// the rewrap rate: 100,000 vault versions sealed under master key v1 (written through SQL
// as the embedded cluster's superuser, sealed by the built cipher with the vault's own
// AAD), then `keys:rewrap` with v2 active, run against the live database while the app
// serves. The rate excludes the command's boot: a second run, with nothing to move,
// measures that and is subtracted.
const { execFile } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { promisify } = require('node:util');
const { call, superuser } = require('./support');

const root = join(__dirname, '..');
const REWRAP_ROWS = Number(process.env.BENCH_REWRAP_ROWS ?? 100_000);
const VERSIONS_PER_SECRET = 5;
const SEED_CHUNK = 10_000;
const WORKSPACES = 20;

/** One key (vault:write, vault:reveal) in each of 20 workspaces: creates queue per vault, so the load spreads as tenants would. */
async function vaultKeys(base, ownerToken) {
  const keys = [];
  for (let i = 0; i < WORKSPACES; i += 1) {
    const workspace = await call(base, 'POST', '/v1/admin/workspaces', { name: `vault bench ${i}` }, ownerToken);
    const created = await call(
      base,
      'POST',
      `/v1/admin/workspaces/${workspace.id}/api-keys`,
      { name: 'vault bench', scopes: ['vault:write', 'vault:reveal'], environment: 'live' },
      ownerToken,
    );
    keys.push({ key: created.key, workspaceId: workspace.id });
  }
  return keys;
}

/** A provider credential's size: a 200-character value. */
const benchValue = () => randomBytes(150).toString('base64');

/** autocannon options: each request creates a new secret, keys in turn. */
function createRequests(keys) {
  let next = 0;
  const value = benchValue();
  return {
    requests: [
      {
        method: 'POST',
        path: '/v1/vault/secrets',
        setupRequest: (request) => {
          const n = (next += 1);
          return {
            ...request,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[n % keys.length].key}` },
            body: JSON.stringify({ name: `bench-${n}`, value }),
          };
        },
      },
    ],
  };
}

/** One secret, revealed again and again by its key. */
async function revealRequest(base, { key }) {
  await call(base, 'POST', '/v1/vault/secrets', { name: 'bench-revealed', value: benchValue() }, key);
  return { headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: '{}' };
}

/** REWRAP_ROWS versions (5 per secret) in one workspace, sealed under the running app's v1 exactly as the vault seals them. */
async function seedVersions(dataDir, pgPort, workspaceId) {
  const { AesGcmCipher, KeyMaterialDirectory, loadKeyring } = require(join(root, 'dist/libs/crypto/src'));
  const { vaultValueAad } = require(join(root, 'dist/apps/api/src/vault/vault-secrets'));
  const cipher = new AesGcmCipher(loadKeyring(new KeyMaterialDirectory(join(dataDir, 'secrets'))));
  const db = superuser(dataDir, pgPort);
  await db.connect();
  try {
    for (let from = 0; from < REWRAP_ROWS; from += SEED_CHUNK) {
      const secrets = (
        await db.query(
          `INSERT INTO vault_secrets (workspace_id, environment, name, current_version, created_by)
           SELECT $1, 'live', 'rewrap-' || n, ${VERSIONS_PER_SECRET}, 'system:bench' FROM generate_series($2::int, $3::int) n RETURNING id`,
          [workspaceId, from / VERSIONS_PER_SECRET, (from + SEED_CHUNK) / VERSIONS_PER_SECRET - 1],
        )
      ).rows.map((row) => row.id);
      const ids = [];
      const secretIds = [];
      const versions = [];
      const sealed = [];
      for (const secretId of secrets) {
        for (let version = 1; version <= VERSIONS_PER_SECRET; version += 1) {
          const id = randomUUID();
          ids.push(id);
          secretIds.push(secretId);
          versions.push(version);
          sealed.push(cipher.encrypt(randomBytes(64), vaultValueAad({ workspaceId, environment: 'live', secretId, version, id })));
        }
      }
      await db.query(
        `INSERT INTO vault_secret_versions (id, secret_id, workspace_id, environment, version, sealed_value, created_by)
         SELECT u.id, u.secret_id, $1, 'live', u.version, u.sealed, 'system:bench'
           FROM unnest($2::uuid[], $3::uuid[], $4::int[], $5::bytea[]) AS u(id, secret_id, version, sealed)`,
        [workspaceId, ids, secretIds, versions, sealed],
      );
    }
    await db.query('VACUUM ANALYZE vault_secret_versions');
  } finally {
    await db.end();
  }
}

/** `keys:rewrap` with a new v2 active, against the running app's database; ciphertexts per second, its boot excluded. */
async function rewrapRate(dataDir, pgPort) {
  writeFileSync(join(dataDir, 'secrets', 'master.v2.key'), randomBytes(32).toString('base64'), { mode: 0o600 });
  const appPassword = readFileSync(join(dataDir, 'pg.app'), 'utf8').trim();
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    RINGFENCE_DATA_DIR: dataDir,
    DATABASE_URL: `postgres://ringfence_app:${encodeURIComponent(appPassword)}@127.0.0.1:${pgPort}/ringfence`,
    MIGRATE_ON_BOOT: 'false',
    MASTER_KEY_ACTIVE_VERSION: '2',
    LOG_LEVEL: 'warn',
  };
  const run = async () => {
    const started = process.hrtime.bigint();
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'dist/apps/api/src/bootstrap/keys-rewrap.cli.js'), '--batch', '500'],
      {
        cwd: root,
        env,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, stdout, stderr };
  };
  const full = await run();
  const idle = await run();
  const moved = [...full.stderr.matchAll(/ (\d+)\/(\d+) /g)].pop();
  const total = moved ? Number(moved[1]) : 0;
  if (total < REWRAP_ROWS) throw new Error(`keys:rewrap moved ${total} values, expected at least ${REWRAP_ROWS}:\n${full.stdout}`);
  if (!/older versions can be retired/.test(idle.stdout)) throw new Error(`values still under v1 after the rewrap:\n${idle.stdout}`);
  const net = full.seconds - idle.seconds;
  return { rows: total, seconds: net, rate: total / net, bootSeconds: idle.seconds };
}

module.exports = { REWRAP_ROWS, vaultKeys, createRequests, revealRequest, seedVersions, rewrapRate };
