import { AuditWriter, SecurityEvents } from '@ringfence/audit';
import { Principal, RequestContext, UnitOfWork } from '@ringfence/tenancy';
import { DataSource } from 'typeorm';
import { useTestDatabase } from '../support/test-database';

/**
 * Security events recorded inside a transaction: written in their own transaction once the
 * caller's has ended (its rollback does not take them), as the principal that recorded
 * them, and without ever holding two connections, on a pool of one.
 */
describe('SecurityEvents inside a unit of work (as ringfence_app)', () => {
  const db = useTestDatabase();
  let source: DataSource;

  beforeAll(async () => {
    source = await db.dataSource(db.appUrl, { max: 1 });
  });

  it('writes the event after the rollback, on a pool of one, with the recording principal as actor', async () => {
    const context = new RequestContext();
    const unitOfWork = new UnitOfWork(source, context);
    const events = new SecurityEvents(unitOfWork, new AuditWriter(unitOfWork, context), context);
    const recorder: Principal = { kind: 'system', process: 'spec-recorder' };

    await expect(
      unitOfWork.run(
        async () => {
          await events.record({ action: 'spec.refused', outcome: 'failure', reason: 'wrong_code' });
          throw new Error('the request fails');
        },
        { principal: recorder },
      ),
    ).rejects.toThrow('the request fails');

    const { rows } = await db.superuser.query("SELECT actor_type, actor_id, outcome, reason FROM audit_log WHERE action = 'spec.refused'");
    expect(rows).toEqual([{ actor_type: 'system', actor_id: 'spec-recorder', outcome: 'failure', reason: 'wrong_code' }]);
  });
});
