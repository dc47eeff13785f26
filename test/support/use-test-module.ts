import { DynamicModule, Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@ringfence/audit';
import { CryptoModule } from '@ringfence/crypto';
import { Principal, TenancyModule, UnitOfWork } from '@ringfence/tenancy';
import type { Client } from 'pg';
import { AppConfig } from '../../apps/api/src/config/app-config';
import { createTestDirectories, TestDirectories, testConfig } from './test-app';
import { TestDatabaseHandle, testDatabaseSlot } from './test-database';

/** Services under test, on the real database, without HTTP. */
export interface TestModuleHandle {
  readonly db: TestDatabaseHandle;
  readonly superuser: Client;
  get<T>(type: Type<T>): T;
  /** `work` in a unit of work as `principal` (RLS settings, context, audit trail), as a request or a worker would run it. */
  as<T>(principal: Principal, work: () => Promise<T>): Promise<T>;
}

/**
 * The service tier: a Nest testing module with the ring every service stands on (the
 * database pool as the app role, key material, the unit of work, the audit writer) and
 * the feature modules `imports` names, built from the same validated configuration as the
 * app. No HTTP, no guards, no pool warm-up, no background jobs: a rule of a service is
 * tested in milliseconds, against the real tables and policies.
 */
export function useTestModule(imports: (config: AppConfig) => (Type | DynamicModule)[]): TestModuleHandle {
  const slot = testDatabaseSlot();
  const db = slot.handle;
  let current: { module: TestingModule; directories: TestDirectories } | undefined;
  beforeAll(async () => {
    await slot.open();
    const directories = createTestDirectories();
    const config = testConfig(db.appUrl, directories, { RINGFENCE_ROLE: 'api' });
    const module = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: db.appUrl, autoLoadEntities: true, synchronize: false, extra: { max: 4 } }),
        CryptoModule.forRoot({ secretsDir: config.secretsDir }),
        TenancyModule.forRoot({
          longRunningTimeoutMs: config.database.timeouts.longRunningMs,
          jobs: { role: 'api', drainTimeoutMs: 1_000 },
        }),
        AuditModule.forRoot({ retentionDays: config.auditRetentionDays }),
        ...imports(config),
      ],
    }).compile();
    current = { module, directories };
    await module.init();
  });
  afterAll(async () => {
    const ending = current;
    current = undefined;
    await ending?.module.close();
    ending?.directories.remove();
    await slot.drop();
  });
  const live = (): NonNullable<typeof current> => {
    if (!current) throw new Error('the test module is used outside its hooks (read it inside a test or a hook)');
    return current;
  };
  return {
    db,
    get superuser() {
      return db.superuser;
    },
    get: (type) => live().module.get(type),
    as: (principal, work) => live().module.get(UnitOfWork).run(work, { principal }),
  };
}
