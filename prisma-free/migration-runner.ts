import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/** Beside the runner, in the source tree and (copied by the build) in dist. */
export const MIGRATIONS_DIR = join(__dirname, 'migrations');

// Any fixed 64-bit number: every runner on every instance takes the same lock.
const MIGRATION_LOCK_KEY = '7406235581907233115';
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$/;

export interface Migration {
  readonly version: string;
  readonly name: string;
  readonly up: string;
  readonly down: string;
  readonly checksum: string;
}

export interface AppliedMigration {
  readonly version: string;
  readonly name: string;
  readonly checksum: string;
}

/** One migration as `status()` sees it: applied as its file is, pending, applied from a file that changed since, or applied with no file here. */
export interface MigrationStatus {
  readonly version: string;
  readonly name: string;
  readonly state: 'applied' | 'pending' | 'changed' | 'missing';
  readonly appliedAt?: Date;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Reads `NNNN_name.up.sql` / `NNNN_name.down.sql` pairs in version order. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const parts = new Map<string, { name: string; up?: string; down?: string }>();
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new MigrationError(`unexpected file in migrations: ${file}`);
    const [, version, name, direction] = match as unknown as [string, string, string, 'up' | 'down'];
    const entry = parts.get(version) ?? { name };
    if (entry.name !== name) throw new MigrationError(`version ${version} has two names: ${entry.name}, ${name}`);
    entry[direction] = readFileSync(join(dir, file), 'utf8');
    parts.set(version, entry);
  }
  return [...parts.entries()].map(([version, entry]) => {
    if (entry.up === undefined || entry.down === undefined) {
      throw new MigrationError(`migration ${version}_${entry.name} needs both an up and a down file`);
    }
    return { version, name: entry.name, up: entry.up, down: entry.down, checksum: sha256(entry.up) };
  });
}

/**
 * Applies plain-SQL migrations as the owner role, one transaction each, under a
 * PostgreSQL advisory lock. An applied file that changed is refused, not re-run.
 */
export class MigrationRunner {
  constructor(
    private readonly client: Client,
    private readonly migrations: readonly Migration[] = readMigrations(),
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  async up(): Promise<string[]> {
    return this.locked(async () => {
      const applied = await this.verifiedApplied();
      const done = new Set(applied.map((migration) => migration.version));
      const ran: string[] = [];
      for (const migration of this.migrations) {
        if (done.has(migration.version)) continue;
        await this.inTransaction(async () => {
          await this.client.query(migration.up);
          await this.client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            migration.checksum,
          ]);
        });
        ran.push(`${migration.version}_${migration.name}`);
        this.log(`applied ${migration.version}_${migration.name}`);
      }
      return ran;
    });
  }

  async down(steps = 1): Promise<string[]> {
    return this.locked(async () => {
      const applied = await this.verifiedApplied();
      const reverted: string[] = [];
      for (const record of applied.slice(-steps).reverse()) {
        const migration = this.migrations.find((candidate) => candidate.version === record.version);
        if (!migration) throw new MigrationError(`no file for applied migration ${record.version}`);
        await this.inTransaction(async () => {
          await this.client.query(migration.down);
          await this.client.query('DELETE FROM schema_migrations WHERE version = $1', [migration.version]);
        });
        reverted.push(`${migration.version}_${migration.name}`);
        this.log(`reverted ${migration.version}_${migration.name}`);
      }
      return reverted;
    });
  }

  async applied(): Promise<AppliedMigration[]> {
    await this.ensureTable();
    const result = await this.client.query<AppliedMigration>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    return result.rows;
  }

  /**
   * Every migration, file or record, in version order, and whether it is applied: read only
   * (no table created, no lock taken), so it may run beside a server and a migration.
   */
  async status(): Promise<MigrationStatus[]> {
    const table = await this.client.query<{ present: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
    const applied = table.rows[0]?.present
      ? (
          await this.client.query<AppliedMigration & { applied_at: Date }>(
            'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
          )
        ).rows
      : [];
    const records = new Map(applied.map((record) => [record.version, record]));
    const statuses: MigrationStatus[] = this.migrations.map((migration) => {
      const record = records.get(migration.version);
      if (!record) return { version: migration.version, name: migration.name, state: 'pending' };
      return {
        version: migration.version,
        name: migration.name,
        state: record.checksum === migration.checksum ? 'applied' : 'changed',
        appliedAt: record.applied_at,
      };
    });
    const files = new Set(this.migrations.map((migration) => migration.version));
    for (const record of applied.filter((candidate) => !files.has(candidate.version))) {
      statuses.push({ version: record.version, name: record.name, state: 'missing', appliedAt: record.applied_at });
    }
    return statuses.sort((a, b) => a.version.localeCompare(b.version));
  }

  private async verifiedApplied(): Promise<AppliedMigration[]> {
    const applied = await this.applied();
    for (const record of applied) {
      const migration = this.migrations.find((candidate) => candidate.version === record.version);
      if (!migration) {
        throw new MigrationError(`applied migration ${record.version}_${record.name} has no file: refusing to run`);
      }
      if (migration.checksum !== record.checksum) {
        throw new MigrationError(
          `applied migration ${record.version}_${record.name} was changed after it ran (checksum mismatch): refusing to run`,
        );
      }
    }
    return applied;
  }

  private async ensureTable(): Promise<void> {
    await this.client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version     text PRIMARY KEY,
        name        text NOT NULL,
        checksum    text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  private async locked<T>(work: () => Promise<T>): Promise<T> {
    await this.client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await work();
    } finally {
      await this.client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  }

  private async inTransaction(work: () => Promise<void>): Promise<void> {
    await this.client.query('BEGIN');
    try {
      await work();
      await this.client.query('COMMIT');
    } catch (error) {
      await this.client.query('ROLLBACK');
      throw error;
    }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
