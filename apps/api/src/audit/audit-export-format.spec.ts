import type { AuditEventView } from '@ringfence/audit';
import { exportLines } from './audit-export-format';

const event = (reason: string): AuditEventView => ({
  id: '1',
  occurredAt: '2026-11-30T00:00:00.000Z',
  workspaceId: null,
  actor: { type: 'anonymous', id: null },
  action: 'csv.event',
  target: null,
  before: null,
  after: null,
  outcome: 'failure',
  reason,
  clientIp: null,
  userAgent: null,
  requestId: null,
  clientRequestId: null,
  environment: null,
});

async function* of(...events: AuditEventView[]): AsyncGenerator<AuditEventView> {
  for (const one of events) yield await Promise.resolve(one);
}

describe('the audit export as CSV', () => {
  it('defuses a cell a spreadsheet would run as a formula, whichever of =, +, -, @, tab, CR or NUL starts it [V1.2.10]', async () => {
    const starts = ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '\0x'];
    const lines: string[] = [];
    for await (const line of exportLines(of(...starts.map(event)), 'csv')) lines.push(line);
    expect(lines).toHaveLength(starts.length + 1);
    starts.forEach((start, index) => expect(lines[index + 1]).toContain(`,"'${start}",`));
    const plain: string[] = [];
    for await (const line of exportLines(of(event('plain text')), 'csv')) plain.push(line);
    expect(plain[1]).toContain(',"plain text",');
  });
});
