import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** `npm run demo`'s command, unbuilt (under ts-node): its own process, as the embedded binaries need one outside Jest's module registry. */
async function demo(): Promise<{ code: number | null; output: string; errors: string }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/bootstrap/demo.cli.ts'],
    {
      cwd: root,
      env: { ...process.env, TS_NODE_PROJECT: join(root, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output, errors };
}

/**
 * `npm run demo`: its own embedded PostgreSQL in a temporary directory, the app, a
 * workspace, a key, a policy, and five transfers that end as the table says, every answer
 * verified against our public key; exit 0.
 */
describe('npm run demo', () => {
  it('prints every transfer ending as expected, each answer verified, exits 0, and leaves nothing behind', async () => {
    const projectData = join(root, '.data');
    const before = existsSync(projectData) ? statSync(projectData).mtimeMs : undefined;
    const { code, output, errors } = await demo();

    expect({ code, output, errors }).toEqual({
      code: 0,
      output: expect.stringContaining('✓ 5 of 5 transfers ended as expected'),
      errors: '',
    });
    const rows = Object.fromEntries(
      output
        .split('\n')
        .map((line) =>
          /^ {2}(approved|over the cap|blocked destination|unknown \(made at the provider\)|retried, then decided)  +(.+)$/.exec(line),
        )
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => [match[1], match[2]!.split(/ {2,}/)]),
    );
    expect(rows).toEqual({
      approved: ['2.5 ETH', '0x5290…9EE7', 'APPROVE', 'rule_approved (eth-treasury)', '0', '✓ verified'],
      'over the cap': ['12 ETH', '0x5290…9EE7', 'REJECT', 'cap_per_transaction (eth-treasury)', '0', '✓ verified'],
      'blocked destination': ['1 ETH', '0x0000…dEaD', 'REJECT', 'rule_rejected (blocked-destinations)', '0', '✓ verified'],
      'unknown (made at the provider)': ['0.75 ETH', '0x5290…9EE7', 'REJECT', 'unknown_external_tx', '0', '✓ verified'],
      'retried, then decided': [
        '3 ETH',
        '0x5290…9EE7',
        'APPROVE',
        'rule_approved (eth-treasury)',
        expect.stringMatching(/^[1-9]\d*$/),
        '✓ verified',
      ],
    });
    expect(output).toMatch(/every answer verified against GET \/v1\/cosigner\/simulator\/public-key \(kid v1, RS256\)/);
    // Its data lived in a temporary directory, gone now; the project's ./.data is as it was.
    const dataDir = /data: (\S+) \(temporary/.exec(output)?.[1];
    expect(dataDir?.startsWith(join(tmpdir(), 'ringfence-demo-'))).toBe(true);
    expect(existsSync(dataDir!)).toBe(false);
    expect(existsSync(projectData) ? statSync(projectData).mtimeMs : undefined).toBe(before);
    // Nothing secret on the terminal: the key's public id only.
    expect(output).not.toMatch(/rf_live_|BEGIN|PRIVATE/);
  }, 120_000);
});
