import type { RetryLater } from './reported-errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** A problem's `type` is this base and its code in kebab case; docs/problems/ has a page for each. */
export const PROBLEM_TYPE_BASE = 'https://ringfence.dev/problems/';

export interface InvalidField {
  field: string;
  messages: string[];
}

/** RFC 9457 problem details, with Ringfence's `code` and `requestId`. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: InvalidField[];
}

export function problemType(code: string): string {
  return `${PROBLEM_TYPE_BASE}${code.toLowerCase().replace(/_/g, '-')}`;
}

/** Marks a kind made by defineProblems; not exported from the lib, so no kind is made elsewhere. */
export const CATALOGUED: unique symbol = Symbol('catalogued problem');

/** What a catalogue fixes about a problem, the same for every occurrence of it. */
export interface ProblemKind {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  /** The detail of an occurrence that names none. */
  readonly detail: string;
  readonly type: string;
  /** Sent as `Retry-After` unless an occurrence names its own delay. */
  readonly retryAfterSeconds?: number;
  /** The state it answers is reported elsewhere (readiness, an outage's own log line): not logged per request. */
  readonly reportedState: boolean;
  readonly [CATALOGUED]: true;
}

/** What one occurrence adds to its kind; never a stack, SQL or secret (all of it reaches the client but `cause`). */
export interface ProblemOccurrence {
  readonly detail?: string;
  readonly retryAfterSeconds?: number;
  /** The invalid fields of a validation problem. */
  readonly errors?: readonly InvalidField[];
  /** What went wrong underneath, for logs only. */
  readonly cause?: unknown;
}

/**
 * The one error type for every answer that is not a success: a catalogued code, its fixed
 * status and title, and this occurrence's detail. Made by a catalogue's factory
 * (`VaultProblems.SECRET_EXISTS({ detail })`), never with `new`: a code is only thrown
 * once it is catalogued. The problem filter answers it as problem JSON.
 */
export class Problem extends Error implements Partial<RetryLater> {
  override readonly name = 'Problem';
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly type: string;
  readonly detail: string;
  readonly retryAfterSeconds?: number;
  readonly errors?: readonly InvalidField[];
  readonly reportedState: boolean;

  constructor(kind: ProblemKind, occurrence: ProblemOccurrence = {}) {
    const detail = occurrence.detail ?? kind.detail;
    super(`${kind.code}: ${detail}`, occurrence.cause === undefined ? undefined : { cause: occurrence.cause });
    this.code = kind.code;
    this.status = kind.status;
    this.title = kind.title;
    this.type = kind.type;
    this.detail = detail;
    const retryAfterSeconds = occurrence.retryAfterSeconds ?? kind.retryAfterSeconds;
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
    if (occurrence.errors) this.errors = occurrence.errors;
    this.reportedState = kind.reportedState;
  }

  /** The problem document of this occurrence, for the request `requestId`; fields in the order clients have always seen. */
  document(requestId: string): ProblemDocument {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.detail,
      code: this.code,
      requestId,
      ...(this.errors ? { errors: [...this.errors] } : {}),
    };
  }
}
