import { Client, escapeIdentifier, escapeLiteral } from 'pg';

/** The two roles of docs/architecture.md: the owner runs migrations, the app owns nothing. */
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

/**
 * Creates a database owned by the owner role from the pristine `template0` (a no-op when
 * it exists), hands it its `public` schema, and lets only the app role connect besides.
 */
export async function createOwnedDatabase(superuserUrl: string, database: string): Promise<void> {
  await withClient(superuserUrl, async (superuser) => {
    const exists = await superuser.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      await superuser.query(`CREATE DATABASE ${escapeIdentifier(database)} OWNER ${OWNER_ROLE} TEMPLATE template0`);
    }
  });
  await withClient(withDatabase(superuserUrl, database), async (inDatabase) => {
    await inDatabase.query(`ALTER SCHEMA public OWNER TO ${OWNER_ROLE}`);
    await inDatabase.query(`REVOKE ALL ON DATABASE ${escapeIdentifier(database)} FROM PUBLIC`);
    await inDatabase.query(`GRANT CONNECT ON DATABASE ${escapeIdentifier(database)} TO ${APP_ROLE}`);
  });
}

/** The same server and credentials as `base`, another database. */
export function withDatabase(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A connection string for `role` on the same server as `base`. */
export function withCredentials(base: string, role: string, password: string, database?: string): string {
  const url = new URL(database ? withDatabase(base, database) : base);
  url.username = role;
  url.password = password;
  return url.toString();
}

async function withClient(url: string, work: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
