import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AUDIT_ACTIONS } from '../../apps/api/src/audit/audit-actions';

const ROOT = resolve(__dirname, '..', '..');
/** An action as the code writes it: `@Audited('…')`, `AuditedInService('…')`, `action: '…'`, or passed to a refusal helper or the migrate command's. */
const WRITTEN =
  /(?:@Audited\(|AuditedInService\(|action: |refuse\(|refusalAudited\(|spendSecondFactorAttempt\([^,]+, |audited\(|auditMigration\(client, )'([a-z_]+\.[a-z_.]+)'/g;
/** The database's own rows (migrations): `'audit.…'`. */
const WRITTEN_BY_SQL = /'(audit\.[a-z_]+)'/g;

function files(directory: string, suffix: string): string[] {
  return readdirSync(join(ROOT, directory), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(suffix) && !file.endsWith('.spec.ts'))
    .map((file) => join(ROOT, directory, file));
}

/** The published catalogue (GET /v1/audit/actions) is every action the code writes, and only those. */
describe('the audit action catalogue', () => {
  const written = new Set<string>();
  for (const file of [...files('apps', '.ts'), ...files('libs', '.ts')]) {
    for (const [, action] of readFileSync(file, 'utf8').matchAll(WRITTEN)) written.add(action!);
  }
  for (const file of files('prisma-free/migrations', '.up.sql')) {
    for (const [, action] of readFileSync(file, 'utf8').matchAll(WRITTEN_BY_SQL)) written.add(action!);
  }

  it('names every action the code and the migrations write', () => {
    expect(written.size).toBeGreaterThan(40);
    expect([...written].filter((action) => !(action in AUDIT_ACTIONS)).sort()).toEqual([]);
  });

  it('names none that nothing writes', () => {
    expect(Object.keys(AUDIT_ACTIONS).filter((action) => !written.has(action))).toEqual([]);
  });
});
