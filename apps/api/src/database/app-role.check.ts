import { sqlRows } from '@ringfence/tenancy';
import { DataSource } from 'typeorm';

/**
 * Refuses to serve when the app's connection could bypass row-level security: a
 * superuser, a BYPASSRLS role, or the owner of any table.
 */
export async function assertUnprivilegedAppRole(dataSource: DataSource): Promise<void> {
  const [role] = await sqlRows<{ name: string; super: boolean; bypass: boolean; owned: number }>(
    dataSource.manager,
    `SELECT r.rolname AS name, r.rolsuper AS super, r.rolbypassrls AS bypass,
            (SELECT count(*)::int FROM pg_tables t WHERE t.tableowner = r.rolname AND t.schemaname = 'public') AS owned
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  if (!role || role.super || role.bypass || role.owned > 0) {
    throw new Error(
      `DATABASE_URL connects as "${role?.name ?? '?'}", which can bypass row-level security ` +
        '(superuser, BYPASSRLS or table owner): connect as the app role (ringfence_app)',
    );
  }
}
