import type { components } from './ringfence-api';

export type ProblemBody = components['schemas']['Problem'];
export type ProblemCode = ProblemBody['code'];

/**
 * An API answer that was not a success, as the console shows it: the RFC 9457 problem when the
 * API sent one (with its requestId, for support), the seconds to wait on a 429, and a plain
 * message when the network itself failed.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemBody | undefined,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(problem?.detail ?? (status === 0 ? 'The Ringfence API could not be reached.' : `The API answered ${status}.`));
    this.name = 'ApiError';
  }

  get code(): ProblemCode | undefined {
    return this.problem?.code;
  }

  get requestId(): string | undefined {
    return this.problem?.requestId;
  }

  /** The invalid fields of a VALIDATION_FAILED, by field name. */
  fieldErrors(): Record<string, string[]> {
    const fields: Record<string, string[]> = {};
    for (const error of this.problem?.errors ?? []) (fields[error.field] ??= []).push(...error.messages);
    return fields;
  }
}

export function isProblem(value: unknown): value is ProblemBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { status?: unknown }).status === 'number'
  );
}

/** `Retry-After` in seconds (delta form; an HTTP date is turned into a delta). */
export function retryAfterOf(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  if (/^\d+$/.test(header)) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
