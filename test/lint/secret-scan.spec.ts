import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '../../apps/api/src/workspaces/api-keys/api-key-format';

const ROOT = join(__dirname, '..', '..');
const SECRETLINT = join(ROOT, 'node_modules', 'secretlint', 'bin', 'secretlint.js');

/** secretlint as `npm run secrets:scan` runs it (the repository's .secretlintrc.json), on `files`. */
function scan(cwd: string, files: string[]): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [SECRETLINT, ...files, '--secretlintrc', join(ROOT, '.secretlintrc.json')], {
    cwd,
    encoding: 'utf8',
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/**
 * The CI's secret scan can fail: a private key or a credential in a URL planted in a file is
 * found and masked in the report. The keys are made here, never committed. And every place the
 * repository silences it says why, where it stands.
 */
describe('the secret scan (npm run secrets:scan, secretlint)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ringfence-secret-scan-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a private key and a database password, and prints neither', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const password = randomBytes(12).toString('base64url');
    writeFileSync(
      join(dir, 'leak.ts'),
      `export const key = \`${key}\`;\nexport const url = 'postgres://app:${password}@db.internal:5432/app';\n`,
    );
    const { status, output } = scan(dir, ['leak.ts']);
    expect(status).toBe(1);
    expect(output).toMatch(/\[PrivateKey\] found private key/);
    expect(output).toMatch(/\[PostgreSQLConnection\] found PostgreSQL connection string/);
    expect(output).not.toContain(password);
    expect(output).not.toContain(key.split('\n')[1]);
  });

  it('finds a workspace API key of our own format, live or test, and prints none of it', () => {
    const keys = [generateApiKey('live').key, generateApiKey('test').key];
    writeFileSync(join(dir, 'key.ts'), keys.map((key, n) => `export const key${n} = '${key}';\n`).join(''));
    const { status, output } = scan(dir, ['key.ts']);
    expect(status).toBe(1);
    expect(output.match(/\[PATTERN\] found matching/g)).toHaveLength(2);
    for (const key of keys) expect(output).not.toContain(key.slice(8));
    // The format named in prose is no key: README and comments write `rf_live_…`.
    writeFileSync(join(dir, 'prose.md'), 'Send `Authorization: Bearer rf_live_…` or `rf_test_…`.\n');
    expect(scan(dir, ['prose.md']).status).toBe(0);
  });

  it('passes a file with nothing secret in it', () => {
    writeFileSync(join(dir, 'clean.ts'), "export const url = 'postgres://db.internal:5432/app';\n");
    expect(scan(dir, ['clean.ts']).status).toBe(0);
  });

  it('is silenced in the repository only with a reason beside it', () => {
    const git = spawnSync('git', ['grep', '-n', 'secretlint-disable', '--', '.', ':!test/lint/secret-scan.spec.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const places = git.stdout.trim().split('\n').filter(Boolean);
    expect(places.length).toBeGreaterThan(0);
    const unexplained = places.filter((place) => /secretlint-disable(-next-line|-line)?\s*(-->|\*\/|$)/.test(place));
    expect(unexplained).toEqual([]);
    expect(readFileSync(join(ROOT, '.secretlintrc.json'), 'utf8')).toContain('@secretlint/secretlint-rule-preset-recommend');
  });
});
