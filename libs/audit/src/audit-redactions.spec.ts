import { AUDIT_STRING_MAX, declareAuditRedactions, REDACTED, redactedFieldsOf, sanitizeAuditValue } from './audit-redactions';

describe('audit redactions', () => {
  it('redacts the fields a resource declares, at any depth, and nothing else', () => {
    declareAuditRedactions('spec_thing', ['secret', 'token']);
    const fields = redactedFieldsOf('spec_thing');
    const value = { name: 'kept', secret: 'hunter2', nested: { token: 't0k3n', list: [{ secret: 's' }, 'plain'] } };
    expect(sanitizeAuditValue(value, fields)).toEqual({
      name: 'kept',
      secret: REDACTED,
      nested: { token: REDACTED, list: [{ secret: REDACTED }, 'plain'] },
    });
    expect(value.secret).toBe('hunter2'); // the caller's object is left alone
    expect(redactedFieldsOf('undeclared').size).toBe(0);
  });

  it('bounds every string, keeping control characters as data', () => {
    const long = 'x'.repeat(10_000);
    const sanitized = sanitizeAuditValue({ note: long, raw: 'a\r\nb\u001b[31m' }, new Set()) as { note: string; raw: string };
    expect(sanitized.note.length).toBeLessThan(AUDIT_STRING_MAX + 40);
    expect(sanitized.note).toContain('more characters');
    expect(sanitized.raw).toBe('a\r\nb\u001b[31m');
  });
});
