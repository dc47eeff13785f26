import { redactText } from '../logging/log-redaction';

const MAX_CAUSES = 8;

/**
 * What a failed start or command prints: the error's message and every cause under it,
 * one per line. Never `undefined` or an empty line, whatever was thrown (an Error
 * without a message, an AggregateError of connection attempts, a bare rejection), and
 * credentials in URLs or SQL are masked.
 */
export function describeFailure(error: unknown): string {
  const lines = [summarise(error)];
  const seen = new Set<unknown>([error]);
  let cause = error instanceof Error ? error.cause : undefined;
  while (cause !== undefined && !seen.has(cause) && lines.length <= MAX_CAUSES) {
    seen.add(cause);
    lines.push(`caused by: ${summarise(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return redactText(lines.map((line) => line.replace(/\n/g, '\n  ')).join('\n  '));
}

function summarise(error: unknown): string {
  if (error instanceof AggregateError) {
    const inner = error.errors.map(summarise).join('; ');
    return error.message.trim() ? `${error.message.trim()}${inner ? ` (${inner})` : ''}` : inner || `${error.name} with no errors`;
  }
  if (error instanceof Error) {
    const message = error.message.trim();
    const code = (error as { code?: unknown }).code;
    const coded = typeof code === 'string' || typeof code === 'number' ? ` (${code})` : '';
    return message ? `${message}${coded && !message.includes(String(code)) ? coded : ''}` : `${error.name} without a message${coded}`;
  }
  if (error === undefined || error === null) return `no error was given (the failure was reported as ${String(error)})`;
  if (typeof error === 'string') return error.trim() || 'an empty error message';
  try {
    const json = JSON.stringify(error);
    if (json !== undefined) return `a non-Error value: ${json}`;
  } catch {
    // a cycle or a bigint
  }
  return `a non-Error value (${typeof error})`;
}
