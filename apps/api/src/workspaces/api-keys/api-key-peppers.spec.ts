import { KeyMaterialDirectory } from '@ringfence/crypto';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ApiKeyPeppers } from './api-key-peppers';

describe('ApiKeyPeppers', () => {
  let dir: string;
  const write = (name: string, content: string): void => writeFileSync(join(dir, name), content, { mode: 0o600 });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rf-peppers-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('hashes with the highest version and still verifies with the older ones', () => {
    const v1 = randomBytes(32).toString('base64');
    write('api-key-pepper.v1.key', v1);
    const before = ApiKeyPeppers.load(new KeyMaterialDirectory(dir));
    const stored = before.hashForStorage('rf_live_example');
    expect(stored.pepperVersion).toBe(1);

    write('api-key-pepper.v2.key', randomBytes(32).toString('base64'));
    const after = ApiKeyPeppers.load(new KeyMaterialDirectory(dir));
    expect(after.activeVersion).toBe(2);
    expect(after.hash('rf_live_example', 1)?.equals(stored.hash)).toBe(true);
    expect(after.hash('rf_live_example', 2)?.equals(stored.hash)).toBe(false);
    expect(after.hash('rf_live_example', 3)).toBeUndefined();
    expect(inspect(after)).not.toContain(v1);
    expect(JSON.stringify(after)).toBe('{"versions":[1,2],"activeVersion":2}');
  });

  it('refuses a missing or malformed pepper, naming the file and never its content', () => {
    expect(() => ApiKeyPeppers.load(new KeyMaterialDirectory(dir))).toThrow(/api-key-pepper\.v1\.key/);
    write('api-key-pepper.v1.key', 'c2hvcnQtcGVwcGVy');
    let message = '';
    try {
      ApiKeyPeppers.load(new KeyMaterialDirectory(dir));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/api-key-pepper\.v1\.key.*32 bytes/);
    expect(message).not.toContain('c2hvcnQtcGVwcGVy');
  });
});
