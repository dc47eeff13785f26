import { createHash } from 'node:crypto';

/**
 * An audit row's columns as PostgreSQL prints them with its built-in casts (AUDIT_ROW_TEXT_COLUMNS),
 * no function of the schema involved: what the checkpoint verifier hashes itself.
 */
export interface AuditRowText {
  readonly id: string;
  /** `(extract(epoch FROM occurred_at) * 1000000)::bigint::text`: microseconds since the epoch. */
  readonly micros: string;
  readonly workspace_id: string | null;
  readonly actor_type: string;
  readonly actor_id: string | null;
  readonly action: string;
  readonly target_type: string | null;
  readonly target_id: string | null;
  /** `before::text` (jsonb's own text), null: SQL NULL. */
  readonly before: string | null;
  readonly after: string | null;
  readonly outcome: string;
  readonly reason: string | null;
  /** `client_ip::text` (inet's text, with its prefix length). */
  readonly client_ip: string | null;
  readonly user_agent: string | null;
  readonly request_id: string | null;
  readonly environment: string | null;
  readonly client_request_id: string | null;
}

/**
 * The select list that reads an `audit_log` row aliased `a` as AuditRowText: built-in casts and
 * operators only, so a superuser who replaces `audit_row_hash` changes nothing it reads.
 */
export const AUDIT_ROW_TEXT_COLUMNS = `a.id::text AS id,
  (extract(epoch FROM a.occurred_at) * 1000000)::bigint::text AS micros,
  a.workspace_id::text AS workspace_id, a.actor_type, a.actor_id, a.action, a.target_type, a.target_id,
  a.before::text AS before, a.after::text AS after, a.outcome, a.reason, a.client_ip::text AS client_ip,
  a.user_agent, a.request_id, a.environment, a.client_request_id`;

const INTEGER = /^-?[0-9]{1,19}$/;

/** A JSON string as jsonb prints it: `"`, `\` and control characters escaped (\b \f \n \r \t, else \u00xx), the rest as is. */
function jsonbString(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

function jsonbInteger(value: string, column: string): string {
  if (!INTEGER.test(value)) throw new Error(`audit row ${column} is not an integer: ${JSON.stringify(value.slice(0, 40))}`);
  return value;
}

/** SQL NULL as `[]`, a value as a one-element array of it (so SQL NULL and JSON null differ). */
function wrapped(jsonbText: string | null): string {
  return jsonbText === null ? '[]' : `[${jsonbText}]`;
}

/**
 * The exact text `audit_row_hash` (migration 0008) hashes: the jsonb array of the row's columns
 * as jsonb prints it (elements joined by ", "), the client's request id appended when there is one.
 */
export function auditRowCanonicalText(row: AuditRowText): string {
  const elements = [
    jsonbInteger(row.id, 'id'),
    jsonbInteger(row.micros, 'occurred_at'),
    jsonbString(row.workspace_id),
    jsonbString(row.actor_type),
    jsonbString(row.actor_id),
    jsonbString(row.action),
    jsonbString(row.target_type),
    jsonbString(row.target_id),
    wrapped(row.before),
    wrapped(row.after),
    jsonbString(row.outcome),
    jsonbString(row.reason),
    jsonbString(row.client_ip),
    jsonbString(row.user_agent),
    jsonbString(row.request_id),
    jsonbString(row.environment),
  ];
  if (row.client_request_id !== null) elements.push(jsonbString(row.client_request_id));
  return `[${elements.join(', ')}]`;
}

/** SHA-256 of the canonical text (UTF-8): what `audit_row_hash` answers, computed outside the database. */
export function auditRowHash(row: AuditRowText): Buffer {
  return createHash('sha256').update(auditRowCanonicalText(row), 'utf8').digest();
}

/** The chain's step: SHA-256 of the previous link's hash and the row's hash. */
export function chainStep(previous: Buffer, rowHash: Buffer): Buffer {
  return createHash('sha256').update(previous).update(rowHash).digest();
}

/** The hash before the first link: 32 zero bytes. */
export const CHAIN_GENESIS: Buffer = Buffer.alloc(32);
