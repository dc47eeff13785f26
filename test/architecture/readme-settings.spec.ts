import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentVariables } from '../../apps/api/src/config/environment-variables';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** Every setting the service reads (each is validated, so each has class-validator metadata). */
function settings(): string[] {
  const names = getMetadataStorage()
    .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
    .map((metadata) => metadata.propertyName);
  return [...new Set(names)].sort();
}

/** The README's Configuration section: the table of every setting. */
function configurationSection(): string {
  const start = README.indexOf('\n## Configuration\n');
  const end = README.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(0);
  return README.slice(start, end);
}

describe('the README’s settings', () => {
  it('lists every environment variable the service reads, in the Configuration table [V2.1.3 V13.1.1]', () => {
    const names = settings();
    expect(names).toEqual(expect.arrayContaining(['DATABASE_URL', 'MASTER_KEY_ACTIVE_VERSION', 'RINGFENCE_ROLE', 'SHUTDOWN_GRACE_MS']));
    expect(names.length).toBeGreaterThan(60);
    const section = configurationSection();
    expect(names.filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
  });
});
