import { Client } from 'pg';
import { EmbeddedRun, removeEmbedded } from './global-setup';
import { testEnv } from './test-env';

/** Drops this run's databases on a shared server, or stops an embedded one and removes its directory. */
export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as { __RF_EMBEDDED__?: EmbeddedRun }).__RF_EMBEDDED__;
  if (embedded) {
    await removeEmbedded(embedded);
    return;
  }
  const admin = new Client({ connectionString: testEnv('adminUrl') });
  await admin.connect();
  try {
    const runId = testEnv('runId');
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2`, [
      `rf_t_${runId}_%`,
      `rf_tpl_${runId}`,
    ]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
