import type { AuditEventView } from '@ringfence/audit';

export type AuditExportFormat = 'ndjson' | 'csv';

const CSV_COLUMNS = [
  'id',
  'occurred_at',
  'workspace_id',
  'actor_type',
  'actor_id',
  'action',
  'target_type',
  'target_id',
  'outcome',
  'reason',
  'client_ip',
  'user_agent',
  'request_id',
  'client_request_id',
  'environment',
  'before',
  'after',
] as const;

/** The export's lines, one event at a time: a header line first for CSV. */
export async function* exportLines(events: AsyncIterable<AuditEventView>, format: AuditExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const event of events) yield format === 'csv' ? csvLine(event) : `${JSON.stringify(event)}\n`;
}

function csvLine(event: AuditEventView): string {
  const cells = [
    event.id,
    event.occurredAt,
    event.workspaceId,
    event.actor.type,
    event.actor.id,
    event.action,
    event.target?.type ?? null,
    event.target?.id ?? null,
    event.outcome,
    event.reason,
    event.clientIp,
    event.userAgent,
    event.requestId,
    event.clientRequestId,
    event.environment,
    event.before === null ? null : JSON.stringify(event.before),
    event.after === null ? null : JSON.stringify(event.after),
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * RFC 4180 quoting (CR/LF stay inside the quotes, as data), and a leading `'` on a cell
 * a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR, NUL: ASVS 5.0 V1.2.10).
 */
function csvCell(value: string | null): string {
  if (value === null) return '';
  const inert = /^[=+\-@\t\r\0]/.test(value) ? `'${value}` : value;
  return `"${inert.replace(/"/g, '""')}"`;
}
