export {
  MIGRATIONS_DIR,
  MigrationError,
  MigrationRunner,
  readMigrations,
  type AppliedMigration,
  type Migration,
  type MigrationStatus,
} from './migration-runner';
export { APP_ROLE, OWNER_ROLE, createOwnedDatabase, provisionRoles, withCredentials, withDatabase, type RolePasswords } from './provision';
