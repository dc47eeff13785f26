import { Client } from 'pg';
import { Migration, MigrationError, MigrationRunner, readMigrations } from '../../prisma-free';
import { useTestDatabase } from '../support/test-database';

describe('MigrationRunner (as the owner role, on an empty database)', () => {
  const db = useTestDatabase({ empty: true, each: true });
  let owner: Client;
  const migrations = readMigrations();

  beforeEach(async () => {
    owner = await db.connect(db.ownerUrl);
  });

  const tables = async (client: Client = owner): Promise<string[]> =>
    (
      await client.query<{ tablename: string }>(
        // Partitions (the audit log's months) are the partitioned table's business.
        `SELECT c.relname AS tablename FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
      )
    ).rows.map((row) => row.tablename);

  it('applies every migration once and is idempotent', async () => {
    const runner = new MigrationRunner(owner, migrations);
    expect(await runner.up()).toEqual(migrations.map((m) => `${m.version}_${m.name}`));
    expect(await runner.up()).toEqual([]);
    expect(await tables()).toEqual([
      'admin_idempotency_keys',
      'admin_mfa_challenges',
      'admin_password_resets',
      'admin_recovery_codes',
      'admin_refresh_tokens',
      'admin_sessions',
      'admins',
      'api_keys',
      'audit_chain',
      'audit_checkpoints',
      'audit_head_checkpoints',
      'audit_log',
      'cosigner_cap_reservations',
      'cosigner_requests',
      'domain_events',
      'idempotency_keys',
      'inbound_provider_events',
      'mail_outbox',
      'policy_versions',
      'schema_migrations',
      'transfers',
      'vault_secret_versions',
      'vault_secrets',
      'webhook_deliveries',
      'webhook_delivery_attempts',
      'webhook_endpoints',
      'workspaces',
    ]);
    const applied = await runner.applied();
    expect(applied.map((m) => m.checksum)).toEqual(migrations.map((m) => m.checksum));
  });

  it('reverts with down and re-applies cleanly', async () => {
    const runner = new MigrationRunner(owner, migrations);
    await runner.up();
    expect(await runner.down(migrations.length)).toHaveLength(migrations.length);
    expect(await tables()).toEqual(['schema_migrations']);
    await runner.up();
    expect(await tables()).toContain('workspaces');
  });

  it('refuses to run when an applied file changed', async () => {
    await new MigrationRunner(owner, migrations).up();
    const edited: Migration[] = migrations.map((m, i) => (i === 0 ? { ...m, up: `${m.up}\n-- edited`, checksum: 'f'.repeat(64) } : m));
    await expect(new MigrationRunner(owner, edited).up()).rejects.toThrow(/changed after it ran \(checksum mismatch\)/);
    await expect(new MigrationRunner(owner, edited).down()).rejects.toThrow(MigrationError);
  });

  it('refuses to run when an applied migration has no file', async () => {
    await new MigrationRunner(owner, migrations).up();
    await expect(new MigrationRunner(owner, []).up()).rejects.toThrow(/has no file/);
  });

  it('reports each migration as applied, pending, changed or missing, creating nothing on an empty database', async () => {
    const fresh = new MigrationRunner(owner, migrations.slice(0, 2));
    expect(await fresh.status()).toEqual(migrations.slice(0, 2).map((m) => ({ version: m.version, name: m.name, state: 'pending' })));
    expect(await tables()).toEqual([]);

    await fresh.up();
    const [first, second, third] = migrations;
    const edited: Migration[] = [{ ...first!, checksum: 'f'.repeat(64) }, third!];
    const appliedAt = expect.any(Date) as unknown;
    expect(await new MigrationRunner(owner, edited).status()).toEqual([
      { version: first!.version, name: first!.name, state: 'changed', appliedAt },
      { version: second!.version, name: second!.name, state: 'missing', appliedAt },
      { version: third!.version, name: third!.name, state: 'pending' },
    ]);
    expect(await new MigrationRunner(owner, migrations.slice(0, 2)).status()).toEqual(
      migrations.slice(0, 2).map((m) => ({ version: m.version, name: m.name, state: 'applied', appliedAt })),
    );
  });

  it('rolls a failing migration back whole and records nothing', async () => {
    const broken: Migration = {
      version: '9999',
      name: 'broken',
      up: 'CREATE TABLE half_done (id int); SELECT 1/0;',
      down: '',
      checksum: 'x',
    };
    await expect(new MigrationRunner(owner, [...migrations, broken]).up()).rejects.toThrow(/division by zero/);
    expect(await tables()).not.toContain('half_done');
    expect((await new MigrationRunner(owner, migrations).applied()).map((m) => m.version)).not.toContain('9999');
  });

  it('waits for the advisory lock, so concurrent runners apply each migration once', async () => {
    const holder = await db.connect(db.ownerUrl);
    await holder.query('SELECT pg_advisory_lock($1)', ['7406235581907233115']);
    const second = await db.connect(db.ownerUrl);
    const running = [new MigrationRunner(owner, migrations).up(), new MigrationRunner(second, migrations).up()];

    // Both runners are blocked on the lock while another session holds it.
    for (let waiting = 0; waiting < 2;) {
      const { rows } = await holder.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      waiting = rows[0]?.n ?? 0;
      if (waiting < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await tables(holder)).toEqual([]);
    await holder.query('SELECT pg_advisory_unlock($1)', ['7406235581907233115']);

    const results = await Promise.all(running);
    expect(results.flat()).toEqual(migrations.map((m) => `${m.version}_${m.name}`));
  });
});
