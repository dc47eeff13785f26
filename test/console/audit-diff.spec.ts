import { auditDiff, diffSummary } from '../../apps/console/src/screens/audit/audit-diff';

/** The console's before/after diff of an audit row, on the shapes the services record. */
describe('console: audit diff', () => {
  it('marks the keys that changed, were added or removed, and leaves equal ones (whatever their key order) alone', () => {
    const entries = auditDiff(
      { name: 'Acme', plan: 'standard', limits: { a: 1, b: 2 }, origins: ['https://a.example'] },
      { name: 'Acme', limits: { b: 2, a: 1 }, origins: ['https://b.example'], status: 'active' },
    );
    expect(entries.map(({ key, change }) => [key, change])).toEqual([
      ['name', 'same'],
      ['plan', 'removed'],
      ['limits', 'same'],
      ['origins', 'changed'],
      ['status', 'added'],
    ]);
    expect(entries[3]).toMatchObject({ before: '[\n  "https://a.example"\n]', after: '[\n  "https://b.example"\n]' });
    expect(entries[1]).toMatchObject({ before: '"standard"', after: undefined });
    expect(diffSummary(entries)).toBe('Changed: origins. Added: status. Removed: plan.');
  });

  it('reads a missing side as nothing, and a row without before or after as no diff', () => {
    expect(auditDiff(null, { revokedAt: null })).toEqual([{ key: 'revokedAt', change: 'added', before: undefined, after: 'null' }]);
    expect(auditDiff({ status: 'active' }, null)).toEqual([{ key: 'status', change: 'removed', before: '"active"', after: undefined }]);
    expect(auditDiff(null, null)).toEqual([]);
    expect(diffSummary(auditDiff({ a: 1 }, { a: 1 }))).toBe('Nothing changed.');
  });

  it('compares values that are not objects as a whole, and keeps markup as text [V1.1.2]', () => {
    expect(auditDiff(['x'], ['y'])).toEqual([{ key: null, change: 'changed', before: '[\n  "x"\n]', after: '[\n  "y"\n]' }]);
    expect(auditDiff({ note: '<img src=x onerror=alert(1)>' }, null)[0]!.before).toBe('"<img src=x onerror=alert(1)>"');
  });
});
