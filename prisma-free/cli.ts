import { Client } from 'pg';
import { MigrationRunner } from './migration-runner';

/** `npm run migrate` / `npm run migrate:down [steps]`, as the owner role (DATABASE_MIGRATION_URL). */
async function main(): Promise<void> {
  const [command = 'up', steps = '1'] = process.argv.slice(2);
  const url = process.env.DATABASE_MIGRATION_URL;
  if (!url) throw new Error('DATABASE_MIGRATION_URL (the owner role connection) is required');
  const client = new Client({ connectionString: url, application_name: 'ringfence-migrate' });
  await client.connect();
  try {
    const runner = new MigrationRunner(client, undefined, (message) => console.log(message));
    if (command === 'up') {
      const ran = await runner.up();
      console.log(ran.length === 0 ? 'schema is up to date' : `applied ${ran.length} migration(s)`);
    } else if (command === 'down') {
      await runner.down(Number.parseInt(steps, 10));
    } else {
      throw new Error(`unknown command ${command}: use up or down`);
    }
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
