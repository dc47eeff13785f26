import { useTestApp } from '../support/use-test-app';

/** The pool is opened whole at boot and kept: no connection is opened (SCRAM and all) under load. */
describe('the database pool', () => {
  const t = useTestApp({ env: { DATABASE_POOL_SIZE: '4' } });

  it('holds every connection from boot on, before any request', async () => {
    const { rows } = await t.superuser.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'ringfence-api'`,
      [t.db.name],
    );
    expect(rows).toEqual([{ n: 4 }]);
  });
});
