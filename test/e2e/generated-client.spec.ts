import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPENAPI_FILE } from '../../apps/api/src/bootstrap/openapi.cli';
import { TestAdmin } from '../support/admin-session';
import { useTestApp } from '../support/use-test-app';

const ROOT = join(__dirname, '..', '..');
const CLIENT = join(ROOT, 'test', 'client');
const GENERATED = join(CLIENT, 'generated', 'ringfence-api.ts');

/** Runs a Node CLI of the repository; its output is the failure's message. */
function run(script: string, args: readonly string[]): void {
  try {
    execFileSync(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${script} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

interface SmokeResult {
  workspace: { id: string; name: string; status: string };
  requestId: string | null;
  retried: { id?: string; replayed: string | null };
  whoAmI: { workspaceId: string; scopes: string[]; environment: string };
  rateLimit: string | null;
  missing: { status: number; code?: string };
}

/**
 * What a client of the API gets from its OpenAPI document alone: TypeScript types generated
 * by openapi-typescript from the committed apps/api/openapi.json (into test/client/generated,
 * not committed), a flow written against them (test/client/smoke-flow.ts) type-checked
 * strictly with openapi-fetch, then run against a listening app.
 */
describe('a client generated from apps/api/openapi.json (openapi-typescript, openapi-fetch)', () => {
  const t = useTestApp({ listen: true });
  let admin: TestAdmin;

  beforeAll(async () => {
    mkdirSync(join(CLIENT, 'generated'), { recursive: true });
    // A property with a default is optional to send: openapi-typescript's default would make it required in request bodies.
    run('node_modules/openapi-typescript/bin/cli.js', [OPENAPI_FILE, '--default-non-nullable', 'false', '-o', GENERATED]);
    admin = await t.newAdmin('admin');
  });

  it('generates types that the smoke flow compiles against (tsc, strict)', () => {
    expect(existsSync(GENERATED)).toBe(true);
    const types = readFileSync(GENERATED, 'utf8');
    expect(types).toContain('"workspaces.create": {');
    expect(types).toContain('Workspace: {');
    run('node_modules/typescript/bin/tsc', ['-p', join(CLIENT, 'tsconfig.json')]);
  });

  it('runs the first task against the app: create a workspace as an admin (retried with its Idempotency-Key: one), mint a key, call GET /v1/workspace with it', async () => {
    // Not a static import: the flow imports the generated types, which the repository's own type check does not have.
    const flow = join(CLIENT, 'smoke-flow');
    const { smokeFlow } = (await import(flow)) as { smokeFlow: (baseUrl: string, token: string) => Promise<SmokeResult> };
    const result = await smokeFlow(t.url.origin, admin.headers.authorization.replace(/^Bearer /, ''));
    expect(result).toEqual({
      workspace: { id: expect.any(String), name: 'Generated client', status: 'active' },
      requestId: 'generated-client-1',
      retried: { id: result.workspace.id, replayed: 'true' },
      whoAmI: { workspaceId: result.workspace.id, scopes: ['vault:read'], environment: 'test' },
      rateLimit: expect.stringMatching(/^"key";r=\d+;t=\d+$/),
      missing: { status: 404, code: 'NOT_FOUND' },
    });
  });
});
