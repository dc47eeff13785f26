import { Logger } from '@nestjs/common';
import {
  NoUnitOfWorkError,
  PoolReadInUnitOfWorkError,
  Principal,
  ReadOnlyWriteError,
  RequestContext,
  sqlRows,
  UnitOfWork,
} from '@ringfence/tenancy';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const SYSTEM: Principal = { kind: 'system', process: 'unit-of-work-doors-spec' };
const ESCALATE = `UPDATE admins SET role = 'owner'`;

/**
 * Data access fails closed (as ringfence_app, against a real PostgreSQL): outside a unit of
 * work `manager` throws instead of handing out the pool, where the admin tables'
 * outside-workspace policy would admit a write with no transaction and no audit row; the
 * one door to the pool, readOutsideUnitOfWork, reads in a READ ONLY transaction with no
 * RLS settings, and refuses writes.
 */
describe('UnitOfWork: no pool outside a unit of work but its one read-only door', () => {
  let db: TestDatabase;
  let source: DataSource;
  let superuser: Client;
  let unitOfWork: UnitOfWork;
  let adminId: string;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    superuser = await db.connect(db.adminUrl);
    source = await new DataSource({ type: 'postgres', url: db.appUrl }).initialize();
    unitOfWork = new UnitOfWork(source, new RequestContext());
    const [admin] = await unitOfWork.run(
      () =>
        sqlRows<{ id: string }>(
          unitOfWork.manager,
          `INSERT INTO admins (email, role, password_hash) VALUES ('door@example.com', 'auditor', 'x') RETURNING id`,
        ),
      { principal: SYSTEM },
    );
    adminId = admin!.id;
  });
  afterAll(async () => {
    await source.destroy();
    await db.drop();
  });

  async function roleOfAdmin(): Promise<string | undefined> {
    const { rows } = await superuser.query<{ role: string }>('SELECT role FROM admins WHERE id = $1', [adminId]);
    return rows[0]?.role;
  }

  it('throws outside a unit of work, naming the fix, and writes nothing', async () => {
    expect(() => unitOfWork.manager).toThrow(NoUnitOfWorkError);
    expect(() => unitOfWork.manager).toThrow(/unitOfWork\.run\(\).*@Audited.*readOutsideUnitOfWork/);
    await expect((async () => unitOfWork.manager.query(ESCALATE))()).rejects.toBeInstanceOf(NoUnitOfWorkError);
    expect(await roleOfAdmin()).toBe('auditor');
    // After a unit of work too: its manager does not linger.
    await unitOfWork.run(() => unitOfWork.manager.query('SELECT 1'), { principal: SYSTEM });
    expect(() => unitOfWork.manager).toThrow(NoUnitOfWorkError);
  });

  it('reads through the door in a read-only transaction with no RLS settings: admin rows yes, tenant rows no', async () => {
    const { rows } = await superuser.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('behind its policy') RETURNING id`);
    const seen = await unitOfWork.readOutsideUnitOfWork('spec: what the door sees', async (reader) => ({
      admins: await sqlRows<{ role: string }>(reader, 'SELECT role FROM admins WHERE id = $1', [adminId]),
      workspaces: await sqlRows(reader, 'SELECT id FROM workspaces WHERE id = $1', [rows[0]!.id]),
      settings: await sqlRows(
        reader,
        `SELECT current_setting('transaction_read_only') AS "readOnly", coalesce(current_setting('app.workspace_id', true), '') AS workspace,
                coalesce(current_setting('app.platform', true), '') AS platform`,
      ),
    }));
    expect(seen).toEqual({ admins: [{ role: 'auditor' }], workspaces: [], settings: [{ readOnly: 'on', workspace: '', platform: '' }] });
  });

  it('refuses a write through the door: a programming error, not an outage, and nothing written', async () => {
    const write = unitOfWork.readOutsideUnitOfWork('spec: a write that does not belong here', (reader) => reader.query(ESCALATE));
    await expect(write).rejects.toBeInstanceOf(ReadOnlyWriteError);
    await expect(write).rejects.toThrow(/spec: a write that does not belong here/);
    expect(await roleOfAdmin()).toBe('auditor');
    // The connection went back to the pool clean: the next read works.
    await expect(
      unitOfWork.readOutsideUnitOfWork('spec: after a refused write', (reader) => sqlRows(reader, 'SELECT 1 AS one')),
    ).resolves.toEqual([{ one: 1 }]);
  });

  it('refuses a write in a read-only unit of work (read()) as the same programming error', async () => {
    await expect(unitOfWork.read(() => unitOfWork.manager.query(ESCALATE))).rejects.toBeInstanceOf(ReadOnlyWriteError);
    expect(await roleOfAdmin()).toBe('auditor');
  });

  it('refuses the door inside a unit of work: one connection held while waiting for another can exhaust the pool', async () => {
    const nested = unitOfWork.run(() => unitOfWork.readOutsideUnitOfWork('spec: nested', (reader) => sqlRows(reader, 'SELECT 1')), {
      principal: SYSTEM,
    });
    await expect(nested).rejects.toBeInstanceOf(PoolReadInUnitOfWorkError);
  });
});
