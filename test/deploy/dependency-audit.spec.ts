import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The dependency audit gate (deploy/dependency-audit.js) runs the real `npm audit` over the
 * lockfile against a registry of the spec's own, which answers the advisory request as told.
 */
const ROOT = join(__dirname, '..', '..');
const GATE = join(ROOT, 'deploy', 'dependency-audit.js');
const GHSA = 'GHSA-2c3f-4g5h-6j7m';

type Answer = { status: 405 } | { status: 200; severity: 'high' | 'critical' | 'moderate' };

describe('the dependency audit gate (npm run deps:audit)', () => {
  let server: Server;
  let registry: string;
  let answer: Answer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringfence-deps-audit-'));
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.includes('/security/advisories/bulk')) {
          if (answer.status === 405) return void res.writeHead(405, { allow: 'GET,HEAD' }).end();
          const advisory = {
            id: 1,
            url: `https://github.com/advisories/${GHSA}`,
            title: 'made up for the spec',
            severity: answer.severity,
          };
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ fastify: [{ ...advisory, vulnerable_versions: '<99.0.0', cwe: [], cvss: {} }] }));
        }
        if (req.url === '/fastify') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ name: 'fastify', versions: { '5.11.3': { name: 'fastify', version: '5.11.3' } } }));
        }
        return void res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
    rmSync(dir, { recursive: true, force: true });
  });

  // A cache of its own for each run: npm keeps the advisory answers it was given.
  const gate = (...args: string[]): Promise<{ code: number; out: string }> => gateWith({}, ...args);
  const gateWith = (extra: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string }> =>
    new Promise((done) => {
      const env = {
        ...process.env,
        ...extra,
        npm_config_registry: registry,
        npm_config_cache: mkdtempSync(join(dir, 'cache-')),
        npm_config_update_notifier: 'false',
      };
      execFile(process.execPath, [GATE, ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) =>
        done({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
  const allowlist = (entries: object[]): string => {
    const file = join(dir, `allow-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ accepted: entries }));
    return file;
  };
  const acceptance = {
    advisory: GHSA,
    package: 'fastify',
    reason: 'The made-up advisory of this spec.',
    reviewedBy: 'spec',
    reviewedOn: '2099-10-15',
    until: '2099-12-31',
  };

  it('fails on a high advisory in a production dependency that the allow-list does not accept, naming it', async () => {
    answer = { status: 200, severity: 'high' };
    const run = await gate('--allowlist', allowlist([]));
    expect(run.code).toBe(1);
    expect(run.out).toContain(`high ${GHSA} in fastify`);
    expect(run.out).toContain('FAILED');
    // An npm set offline (the environment, an .npmrc) would ask nothing and report nothing: the gate asks anyway.
    const offline = await gateWith({ npm_config_offline: 'true' }, '--allowlist', allowlist([]));
    expect(offline.code).toBe(1);
    expect(offline.out).toContain(`high ${GHSA} in fastify`);
  });

  it('passes an accepted advisory until its date, and fails it after [V15.1.1]', async () => {
    answer = { status: 200, severity: 'critical' };
    const file = allowlist([acceptance]);
    const accepted = await gate('--allowlist', file, '--today', '2099-11-01');
    expect(accepted.code).toBe(0);
    expect(accepted.out).toContain(`accepted ${GHSA} in fastify (critical)`);
    const late = await gate(
      '--allowlist',
      allowlist([{ ...acceptance, reviewedOn: '2025-12-01', until: '2026-01-01' }]),
      '--today',
      '2026-01-02',
    );
    expect(late.code).toBe(1);
    expect(late.out).toContain(`the acceptance of ${GHSA} in fastify ended on 2026-01-01`);
  });

  it('does not gate a moderate advisory', async () => {
    answer = { status: 200, severity: 'moderate' };
    const run = await gate('--allowlist', allowlist([]));
    expect(run.code).toBe(0);
    expect(run.out).toContain('passed: 0 high or critical advisories not accepted');
  });

  it('never passes when the registry refuses the advisory request, unless told to report it NOT CHECKED', async () => {
    answer = { status: 405 };
    const strict = await gate('--allowlist', allowlist([]));
    expect(strict.code).toBe(3);
    expect(strict.out).toContain('cannot audit: the registry did not answer the advisory request (405');
    const ci = await gate('--allowlist', allowlist([]), '--allow-unreachable');
    expect(ci.code).toBe(0);
    expect(ci.out).toContain('NOT CHECKED');
  });

  it('refuses an allow-list entry without a reason, a reviewer or dates, or longer than 90 days after its review, and accepts the committed list [V15.1.1]', async () => {
    const run = await gate('--allowlist', allowlist([{ advisory: GHSA, package: 'fastify', reason: 'ok' }]));
    expect(run.code).toBe(2);
    expect(run.out).toContain('say why it is accepted');
    expect(run.out).toContain('no reviewer');
    expect(run.out).toContain('"until" must be a date');
    expect(run.out).toContain('"reviewedOn" must be a date');
    const long = await gate(
      '--allowlist',
      allowlist([{ ...acceptance, reviewedOn: '2099-01-01', until: '2099-12-31' }]),
      '--today',
      '2099-06-01',
    );
    expect(long.code).toBe(2);
    expect(long.out).toContain('an acceptance lasts at most 90 days after its review');
    const { loadAllowlist } = require(GATE) as { loadAllowlist: (file: string, today?: string) => { problems: string[] } };
    expect(loadAllowlist(join(ROOT, 'deploy', 'audit-allowlist.json')).problems).toEqual([]);
    // Reviewed "in the future" (to outlast the bound), ending before its review, or on a day that does not exist
    // (any problem is exit 2, as above; the list is read before npm is asked).
    const dated: [string, string, string[]][] = [
      ['9999-10-01', '9999-12-29', ['"reviewedOn" is in the future']],
      ['2026-11-01', '2026-10-01', ['"until" is before "reviewedOn"']],
      ['2026-02-31', '2026-04-31', ['"until" must be a date', '"reviewedOn" must be a date']],
    ];
    for (const [reviewedOn, until, expected] of dated) {
      const problems = loadAllowlist(allowlist([{ ...acceptance, reviewedOn, until }]), '2026-11-30').problems.join('\n');
      for (const problem of expected)
        expect({ reviewedOn, until, problems }).toEqual({ reviewedOn, until, problems: expect.stringContaining(problem) as string });
    }
  });

  it('follows the remediation time frames SECURITY.md sets, by severity, and its 90-day bound on an acceptance [V15.1.1]', () => {
    const policy = readFileSync(join(ROOT, 'SECURITY.md'), 'utf8').replace(/\s+/g, ' ');
    expect(policy).toMatch(/\| critical \| 7 days \|/);
    expect(policy).toMatch(/\| high \| 30 days \|/);
    expect(policy).toMatch(/\| moderate \| 90 days/);
    expect(policy).toContain('an end date at most 90 days later');
    expect(readFileSync(GATE, 'utf8')).toContain('const MAX_ACCEPTANCE_DAYS = 90;');
  });
});
