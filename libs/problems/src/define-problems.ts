import { CATALOGUED, Problem, ProblemKind, ProblemOccurrence, problemType } from './problem';

/** RFC 9110's reason phrases: a problem's title unless its catalogue names another. */
const REASON_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** One entry of a catalogue: what every occurrence of the code shares. */
export interface ProblemDefinition {
  readonly status: number;
  /** The status's reason phrase unless named. */
  readonly title?: string;
  /** The detail of an occurrence that names none. */
  readonly detail: string;
  readonly retryAfterSeconds?: number;
  readonly reportedState?: true;
}

/** Makes an occurrence of one catalogued problem: `throw VaultProblems.SECRET_EXISTS({ detail })`. */
export interface ProblemFactory<C extends string = string> extends ProblemKind {
  (occurrence?: ProblemOccurrence): Problem;
  readonly code: C;
  /** Whether `error` is an occurrence of this problem. */
  is(error: unknown): error is Problem;
}

export type ProblemCatalogue<T> = { readonly [K in keyof T & string]: ProblemFactory<K> };

const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/**
 * A feature's problems, keyed by code: the only way a code becomes throwable, with its
 * status and title fixed here. Declared in the feature's `<feature>.problems.ts`, and listed
 * in the application's catalogue (apps/api/src/problem-catalogue.ts), which the OpenAPI
 * document, the catalogue snapshot and docs/problems/ are checked against.
 */
export function defineProblems<const T extends Record<string, ProblemDefinition>>(definitions: T): ProblemCatalogue<T> {
  const catalogue: Record<string, ProblemFactory> = {};
  for (const [code, definition] of Object.entries(definitions)) catalogue[code] = problemFactory(code, definition);
  return Object.freeze(catalogue) as ProblemCatalogue<T>;
}

function problemFactory(code: string, definition: ProblemDefinition): ProblemFactory {
  const title = definition.title ?? REASON_PHRASES[definition.status];
  const refusal = !CODE.test(code)
    ? 'a code is UPPER_SNAKE_CASE'
    : !Number.isInteger(definition.status) || definition.status < 400 || definition.status > 599
      ? 'the status is a 4xx or 5xx'
      : !title
        ? 'a status without a known reason phrase needs a title'
        : definition.detail.trim() === ''
          ? 'the detail is not empty'
          : undefined;
  if (refusal) throw new Error(`problem ${code}: ${refusal}`);
  const kind: ProblemKind = {
    code,
    status: definition.status,
    title: title!,
    detail: definition.detail,
    type: problemType(code),
    ...(definition.retryAfterSeconds !== undefined ? { retryAfterSeconds: definition.retryAfterSeconds } : {}),
    reportedState: definition.reportedState === true,
    [CATALOGUED]: true,
  };
  const make = (occurrence?: ProblemOccurrence): Problem => new Problem(factory, occurrence);
  const factory: ProblemFactory = Object.freeze(
    Object.assign(make, kind, { is: (error: unknown): error is Problem => error instanceof Problem && error.code === code }),
  );
  return factory;
}

/**
 * The application's catalogue: every feature's problems in one list, ordered by code.
 * A code declared by two catalogues is refused (each code has one status, one page).
 */
export function problemCatalogue(...catalogues: readonly Readonly<Record<string, ProblemFactory>>[]): readonly ProblemFactory[] {
  const byCode = new Map<string, ProblemFactory>();
  for (const catalogue of catalogues) {
    for (const factory of Object.values(catalogue)) {
      if (byCode.has(factory.code)) throw new Error(`problem ${factory.code} is declared by two catalogues`);
      byCode.set(factory.code, factory);
    }
  }
  return [...byCode.values()].sort((a, b) => (a.code < b.code ? -1 : 1));
}
