import { LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';

export interface AuditRowFilter {
  action: string;
  target?: { type: string; id: string };
  actor?: { type: string; id?: string | null };
  outcome?: 'success' | 'failure' | 'denied';
  reason?: string | null;
  workspaceId?: string | null;
  environment?: 'live' | 'test' | null;
  /** The client's `X-Request-Id`, as recorded. */
  clientRequestId?: string;
  /** Fields of `before` and `after` the row has (toMatchObject). */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

export interface AuditRow {
  id: string;
  action: string;
  outcome: string;
  reason: string | null;
  actor_type: string;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  workspace_id: string | null;
  environment: string | null;
  client_ip: string | null;
  request_id: string | null;
  client_request_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

const COLUMNS: Record<string, string> = {
  action: 'action',
  outcome: 'outcome',
  reason: 'reason',
  workspaceId: 'workspace_id',
  environment: 'environment',
  clientRequestId: 'client_request_id',
};

/**
 * Exactly `count` (default one) audit rows match `filter`, read as the superuser (no
 * policy hides one); the rows, oldest first. `null` in the filter means the column is null.
 */
export async function expectAuditRows(superuser: Client, filter: AuditRowFilter, count: number): Promise<AuditRow[]> {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const where = (column: string, value: unknown): void => {
    if (value === null) conditions.push(`${column} IS NULL`);
    else conditions.push(`${column}::text = $${values.push(value)}`);
  };
  for (const [field, column] of Object.entries(COLUMNS)) {
    const value = filter[field as keyof AuditRowFilter];
    if (value !== undefined) where(column, value);
  }
  if (filter.target) {
    where('target_type', filter.target.type);
    where('target_id', filter.target.id);
  }
  if (filter.actor) {
    where('actor_type', filter.actor.type);
    if (filter.actor.id !== undefined) where('actor_id', filter.actor.id);
  }
  const { rows } = await superuser.query<AuditRow>(
    `SELECT id::text, action, outcome, reason, actor_type, actor_id, target_type, target_id, workspace_id::text, environment, host(client_ip) AS client_ip,
            request_id, client_request_id, before, after
       FROM audit_log WHERE ${conditions.join(' AND ')} ORDER BY audit_log.id`,
    values,
  );
  const { before, after, ...columns } = filter;
  expect({ filter: columns, rows: rows.length }).toEqual({ filter: columns, rows: count });
  for (const row of rows) {
    if (before) expect(row.before).toMatchObject(before);
    if (after) expect(row.after).toMatchObject(after);
  }
  return rows;
}

/** The one audit row matching `filter` (see expectAuditRows). */
export async function expectAuditRow(superuser: Client, filter: AuditRowFilter): Promise<AuditRow> {
  const [row] = await expectAuditRows(superuser, filter, 1);
  return row!;
}

/**
 * An RFC 9457 problem answer: the status, `application/problem+json`, the envelope
 * (type, title, status, detail, code), the request id of the response's own
 * `X-Request-Id`, no trace of a stack, and the security headers every answer carries.
 * Returns the body, for the fields a test checks beyond these.
 */
export function expectProblem(response: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  expect({ status: response.statusCode, code: response.json<{ code?: string }>().code }).toEqual({ status, code });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json(; charset=utf-8)?$/);
  const body = response.json<Record<string, unknown>>();
  expect(body).toMatchObject({
    status,
    code,
    type: expect.stringMatching(/^https:\/\//),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(body.requestId).toBe(response.headers['x-request-id']);
  expect(JSON.stringify(body)).not.toMatch(/at .+\.(ts|js):\d+|node_modules|stack/i);
  expect({
    'x-content-type-options': response.headers['x-content-type-options'],
    'cache-control': response.headers['cache-control'],
    'strict-transport-security': response.headers['strict-transport-security'],
  }).toEqual({
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
  });
  return body;
}

/** The IETF draft's `RateLimit` and `RateLimit-Policy` fields of an answer, read (undefined members: absent). */
export interface StatedLimit {
  policy?: string;
  /** `r`: requests left in the window. */
  remaining?: number;
  /** `t`: seconds until the window frees a request. */
  reset?: number;
  /** `q` and `w` of the policy. */
  quota?: number;
  window?: number;
}

export function statedLimit(headers: Record<string, unknown>): StatedLimit {
  const field = (name: string): { policy?: string; params: Record<string, number> } => {
    const value = headers[name];
    if (typeof value !== 'string') return { params: {} };
    const [policy, ...params] = value.split(';');
    return {
      policy: JSON.parse(policy!) as string,
      params: Object.fromEntries(params.map((param) => param.split('=')).map(([key, number]) => [key!, Number(number)])),
    };
  };
  const limit = field('ratelimit');
  const policy = field('ratelimit-policy');
  if (limit.policy !== undefined && policy.policy !== undefined && limit.policy !== policy.policy) {
    throw new Error(`RateLimit names "${limit.policy}", RateLimit-Policy "${policy.policy}"`);
  }
  return {
    policy: limit.policy ?? policy.policy,
    remaining: limit.params['r'],
    reset: limit.params['t'],
    quota: policy.params['q'],
    window: policy.params['w'],
  };
}
