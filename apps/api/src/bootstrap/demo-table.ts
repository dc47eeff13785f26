/** One transfer of the demo: what it should end as, and what happened. */
export interface DemoRow {
  readonly label: string;
  /** `2.5 ETH` */
  readonly amount: string;
  readonly destination: string;
  readonly expected: {
    readonly action: 'APPROVE' | 'REJECT';
    readonly reason: string;
    /** Whether the co-signer must have been answered RETRY first. */
    readonly retried: boolean;
    /** The transfer's status at Ringfence, for one made through POST /v1/transfers. */
    readonly status?: 'approved' | 'rejected';
  };
  readonly seen: {
    /** The final answer's action (undefined: none). */
    readonly action?: string;
    readonly reason?: string;
    /** How many answers were RETRY before it. */
    readonly retries: number;
    /** Every answer the provider got verified with our public key (from the public-key route), over this request's id. */
    readonly verified: boolean;
    readonly status?: string;
    /** The rule that decided, as the transfer records it. */
    readonly rule?: string | null;
  };
}

const HEADERS = ['transfer', 'amount', 'destination', 'answer', 'reason', 'retries', 'signature'];

/** What a row got wrong against its expectation, if anything. */
function misses(row: DemoRow): string[] {
  const { expected, seen } = row;
  const wrong: string[] = [];
  if (seen.action !== expected.action) wrong.push(`answer ${seen.action ?? 'none'}, expected ${expected.action}`);
  if (seen.reason !== expected.reason) wrong.push(`reason ${seen.reason ?? 'none'}, expected ${expected.reason}`);
  if (expected.retried !== seen.retries > 0) wrong.push(expected.retried ? 'never answered RETRY' : `answered RETRY ${seen.retries} times`);
  if (expected.status !== undefined && seen.status !== expected.status)
    wrong.push(`transfer ${seen.status ?? 'unknown'}, expected ${expected.status}`);
  if (!seen.verified) wrong.push('an answer did not verify with our public key');
  return wrong;
}

/**
 * The demo's table, one line a transfer, and what did not go as expected (each line of it
 * names the transfer): the demo exits non-zero when there is any.
 */
export function demoTable(rows: readonly DemoRow[]): { text: string; failures: string[] } {
  const failures = rows.flatMap((row) => misses(row).map((miss) => `${row.label}: ${miss}`));
  const cells = rows.map((row) => [
    row.label,
    row.amount,
    row.destination,
    row.seen.action ?? '—',
    `${row.seen.reason ?? '—'}${row.seen.rule ? ` (${row.seen.rule})` : ''}`,
    String(row.seen.retries),
    row.seen.verified ? '✓ verified' : '✗ NOT verified',
  ]);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...cells.map((line) => line[column]!.length)));
  const line = (values: readonly string[]) => `  ${values.map((value, column) => value.padEnd(widths[column]!)).join('  ')}`.trimEnd();
  const text = [line(HEADERS), line(widths.map((width) => '─'.repeat(width))), ...cells.map(line)].join('\n');
  return { text, failures };
}

/** An address as the table shows it: its start and end. */
export function shortAddress(address: string): string {
  return address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}
