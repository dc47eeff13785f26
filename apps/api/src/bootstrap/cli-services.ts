/**
 * What the commands load only once they run (so that `--help` and a usage error answer at
 * once), through one static module: the build rewrites the `@ringfence/*` paths of static
 * imports only, never of an `import()`.
 */
import { AuditChain } from '@ringfence/audit';
import { MigrationRunner } from '@ringfence/migrations';
import { AuditCheckpoints } from '../audit/checkpoints/audit-checkpoints';
import { AdminIdentityProblems } from '../admin-identity/admin-identity.problems';
import { AdminBootstrap } from '../admin-identity/admins/admin-bootstrap';
import { describeUrl } from '../database/database-bootstrap';
import { MasterKeyRewrap } from '../master-key-rewrap/master-key-rewrap';
import { assertReachable, auditAsSystem, openCommandDatabase, withCliContext } from './cli-context';

export {
  AdminBootstrap,
  AdminIdentityProblems,
  assertReachable,
  AuditChain,
  AuditCheckpoints,
  auditAsSystem,
  describeUrl,
  MasterKeyRewrap,
  MigrationRunner,
  openCommandDatabase,
  withCliContext,
};
