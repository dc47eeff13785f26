import { Client, escapeIdentifier, escapeLiteral } from 'pg';

/** The two roles of DESIGN.md: the owner runs migrations, the app owns nothing. */
export const OWNER_ROLE = 'ringfence_owner';
export const APP_ROLE = 'ringfence_app';

export interface RolePasswords {
  owner: string;
  app: string;
}

/**
 * Creates (or re-keys) the owner and app login roles. Needs a superuser or a role with
 * CREATEROLE; used by the embedded database, the tests and the container init script.
 */
export async function provisionRoles(superuser: Client, passwords: RolePasswords): Promise<void> {
  await superuser.query(`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${OWNER_ROLE}') THEN
        CREATE ROLE ${OWNER_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
        CREATE ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
      END IF;
    END $$`);
  await superuser.query(`ALTER ROLE ${OWNER_ROLE} PASSWORD ${escapeLiteral(passwords.owner)}`);
  await superuser.query(`ALTER ROLE ${APP_ROLE} PASSWORD ${escapeLiteral(passwords.app)}`);
}

/** Creates a database owned by the owner role (a no-op when it exists) and hands it its schema. */
export async function createOwnedDatabase(superuser: Client, database: string, template?: string): Promise<void> {
  const exists = await superuser.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) {
    const from = template ? ` TEMPLATE ${escapeIdentifier(template)}` : '';
    await superuser.query(`CREATE DATABASE ${escapeIdentifier(database)} OWNER ${OWNER_ROLE}${from}`);
  }
  if (!template) {
    const url = new URL(connectionString(superuser));
    url.pathname = `/${database}`;
    const inDatabase = new Client({ connectionString: url.toString() });
    await inDatabase.connect();
    try {
      await inDatabase.query(`ALTER SCHEMA public OWNER TO ${OWNER_ROLE}`);
      await inDatabase.query(`REVOKE ALL ON DATABASE ${escapeIdentifier(database)} FROM PUBLIC`);
      await inDatabase.query(`GRANT CONNECT ON DATABASE ${escapeIdentifier(database)} TO ${APP_ROLE}`);
    } finally {
      await inDatabase.end();
    }
  }
}

/** A connection string for `role` on the same server and database as `base`. */
export function withCredentials(base: string, role: string, password: string, database?: string): string {
  const url = new URL(base);
  url.username = role;
  url.password = password;
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

function connectionString(client: Client): string {
  const { user, password, host, port, database } = client;
  const url = new URL('postgres://localhost');
  url.hostname = host;
  url.port = String(port);
  url.username = user ?? '';
  url.password = typeof password === 'string' ? password : '';
  url.pathname = `/${database ?? 'postgres'}`;
  return url.toString();
}
