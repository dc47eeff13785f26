import 'reflect-metadata';
import type { MigrationStatus } from '@ringfence/migrations';
import type { Client } from 'pg';
import { ConfigError } from '../config/app-config';
import { CliSpec, EXIT, integerOption, runCli, UsageError } from './cli-command';

const MIGRATE: CliSpec = {
  name: 'migrate',
  summary: 'apply, revert or list the schema migrations (prisma-free/migrations), as the owner role',
  usage: '[up|status|down] [--steps <n>]',
  positionals: {
    name: 'command',
    description: 'up: apply every pending migration (the default); status: list applied and pending ones; down: revert the last --steps',
    choices: ['up', 'status', 'down'],
  },
  options: {
    steps: { type: 'string', value: '<n>', default: '1', description: 'with down: how many migrations to revert, newest first' },
  },
  notes: [
    "Database: DATABASE_MIGRATION_URL (the owner role's connection) when set; with DATABASE_URL it is required;",
    "else the embedded PostgreSQL of RINGFENCE_DATA_DIR (./.data) as its owner role: the running server's when",
    '`npm start` runs (its port read from postmaster.pid), or one started for the command and stopped after.',
    'status changes nothing. up and down run under an advisory lock, one transaction per migration, and refuse',
    'to run when an applied migration changed since (checksum mismatch) or has no file; a change is audited',
    '(schema.migrate / schema.revert, as system:migrate) when the audit log exists.',
    'npm scripts: `npm run migrate` (up), `npm run migrate:status`, `npm run migrate:down -- --steps 1`.',
  ],
  examples: [
    'npm run migrate',
    'npm run migrate:status',
    'npm run migrate:down -- --steps 2',
    'DATABASE_MIGRATION_URL=postgres://ringfence_owner:…@db:5432/ringfence node bin/ringfence.js migrate status',
  ],
  exitCodes: [
    [EXIT.OK, 'up/down: done; status: every migration is applied as its file is'],
    [EXIT.FAILED, 'status: a migration is pending, changed since it was applied, or applied with no file; or the command failed'],
  ],
};

runCli(MIGRATE, async ({ values, positionals }) => {
  if (positionals.length > 1) throw new UsageError(`one command at a time (got '${positionals.join(' ')}')`);
  const command = positionals[0] ?? 'up';
  const steps = integerOption('steps', values.steps, 1, 10_000);
  if (command !== 'down' && values.steps !== '1') throw new UsageError(`--steps applies to down only`);

  // Loaded only now: `--help` and a usage error answer at once.
  const { assertReachable, describeUrl, MigrationRunner, openCommandDatabase } = await import('./cli-services');
  const { Client } = await import('pg');
  let ownerUrl = process.env.DATABASE_MIGRATION_URL;
  let release = (): Promise<void> => Promise.resolve();
  let description = ownerUrl ? `the database of DATABASE_MIGRATION_URL (${describeUrl(ownerUrl)})` : '';
  if (ownerUrl) {
    await assertReachable(ownerUrl, description);
  } else {
    const opened = await openCommandDatabase({ migrate: false });
    release = opened.release;
    if (!opened.database.ownerUrl) {
      await release();
      throw new ConfigError([
        "DATABASE_MIGRATION_URL (the owner role's connection) is required to migrate the database of DATABASE_URL (the app role owns no table)",
      ]);
    }
    ownerUrl = opened.database.ownerUrl;
    description = opened.database.description.replace(/^the /, 'the owner role on the ');
  }
  const client = new Client({ connectionString: ownerUrl, application_name: 'ringfence-migrate' });
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`cannot connect to ${description}`, { cause: error });
    }
    const runner = new MigrationRunner(client, undefined, (message) => process.stdout.write(`${message}\n`));
    if (command === 'status') return printStatus(await runner.status());
    if (command === 'up') {
      const ran = await runner.up();
      process.stdout.write(ran.length === 0 ? 'schema is up to date\n' : `applied ${ran.length} migration(s)\n`);
      if (ran.length > 0) await auditMigration(client, 'schema.migrate', ran);
      return EXIT.OK;
    }
    const reverted = await runner.down(steps);
    process.stdout.write(`reverted ${reverted.length} migration(s)\n`);
    if (reverted.length > 0) await auditMigration(client, 'schema.revert', reverted);
    return EXIT.OK;
  } finally {
    await client.end().catch(() => undefined);
    await release();
  }
});

function printStatus(statuses: readonly MigrationStatus[]): number {
  const width = Math.max(0, ...statuses.map((status) => `${status.version}_${status.name}`.length)) + 2;
  const said: Record<MigrationStatus['state'], string> = {
    applied: 'applied',
    pending: 'pending',
    changed: 'CHECKSUM MISMATCH: the file changed after it was applied',
    missing: 'MISSING: applied, but no file has this version',
  };
  for (const status of statuses) {
    const when = status.appliedAt ? `  ${status.appliedAt.toISOString()}` : '';
    process.stdout.write(
      `${`${status.version}_${status.name}`.padEnd(width)}${said[status.state]}${status.state === 'pending' ? '' : when}\n`,
    );
  }
  const count = (state: MigrationStatus['state']): number => statuses.filter((status) => status.state === state).length;
  const problems = [
    count('pending') > 0 ? `${count('pending')} pending (npm run migrate applies them)` : '',
    count('changed') > 0 ? `${count('changed')} changed since applied` : '',
    count('missing') > 0 ? `${count('missing')} applied with no file` : '',
  ].filter(Boolean);
  process.stdout.write(
    problems.length === 0 ? `schema is up to date: ${count('applied')} applied\n` : `${count('applied')} applied; ${problems.join('; ')}\n`,
  );
  return problems.length === 0 ? EXIT.OK : EXIT.FAILED;
}

/** As the owner, after the change: a row about no workspace, which the append policy admits; skipped before the audit log exists. */
async function auditMigration(client: Client, action: string, migrations: readonly string[]): Promise<void> {
  // A pg Client (not TypeORM's manager): its answer is always { rows }.
  // eslint-disable-next-line no-restricted-syntax
  const { rows } = await client.query<{ present: boolean }>(`SELECT to_regclass('audit_log') IS NOT NULL AS present`);
  if (!rows[0]?.present) return;
  await client.query(
    `INSERT INTO audit_log (actor_type, actor_id, action, target_type, target_id, after, outcome)
     VALUES ('system', 'migrate', $1, 'schema', $2, $3, 'success')`,
    [action, migrations[migrations.length - 1], JSON.stringify({ migrations })],
  );
}
