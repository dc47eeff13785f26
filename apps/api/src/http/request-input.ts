import { InvalidField, RequestProblems } from '@ringfence/problems';
import { MIMEType } from 'node:util';
import { HttpBoundaryProblems } from './http-boundary.problems';

/**
 * How much structure a JSON body may have, checked on the raw bytes before parsing and
 * exactly after it, before any validation runs: class-transformer's key handling is quadratic in an object's keys and
 * Nest's ValidationPipe walks a body recursively, so an unbounded shape is a way to stop
 * the event loop (90,000 keys: 16 s) or the stack (10,000 levels: a 500).
 */
export interface BodyShapeLimits {
  /** Nesting of objects and arrays; the body itself is level 1. */
  readonly maxDepth: number;
  readonly maxKeysPerObject: number;
  readonly maxArrayLength: number;
  /** Every value in the body (objects, arrays, strings, numbers, …). */
  readonly maxValues: number;
}

export const SINGLE_BODY_SHAPE: BodyShapeLimits = { maxDepth: 32, maxKeysPerObject: 256, maxArrayLength: 1_000, maxValues: 20_000 };
export const BATCH_BODY_SHAPE: BodyShapeLimits = { maxDepth: 32, maxKeysPerObject: 256, maxArrayLength: 10_000, maxValues: 200_000 };

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `parse`: the JSON text parser (Fastify's, which refuses prototype poisoning). */
export type JsonTextParser = (text: string) => unknown;

/**
 * A request body as the application sees it: UTF-8 only (a declared charset must be
 * UTF-8; invalid bytes are a 400, never replaced), valid JSON, within `limits`, and with
 * no string or key that PostgreSQL or a validator could choke on (NUL, unpaired surrogates).
 */
export function parseJsonBody(
  raw: Buffer,
  headers: { 'content-type'?: string; 'content-encoding'?: string },
  limits: BodyShapeLimits,
  parse: JsonTextParser,
): unknown {
  assertPlainUtf8Json(headers);
  assertRawShape(raw, limits);
  let text: string;
  try {
    text = STRICT_UTF8.decode(raw);
  } catch {
    throw HttpBoundaryProblems.INVALID_ENCODING();
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    throw HttpBoundaryProblems.MALFORMED_JSON();
  }
  assertShape(value, limits);
  return value;
}

/**
 * The media type read as browsers and Fastify read it (WHATWG MIME parsing: quoted
 * parameters, the first of a repeated one), so a `charset` hidden in another parameter's
 * quotes is still seen; a compressed body is not decoded, so it is refused.
 */
function assertPlainUtf8Json(headers: { 'content-type'?: string; 'content-encoding'?: string }): void {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    throw HttpBoundaryProblems.UNSUPPORTED_MEDIA_TYPE({ detail: 'A Content-Encoding is not accepted: send the JSON as it is.' });
  }
  let charset: string | undefined;
  try {
    charset = new MIMEType(headers['content-type'] ?? 'application/json').params.get('charset')?.toLowerCase();
  } catch {
    charset = 'unreadable';
  }
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw HttpBoundaryProblems.UNSUPPORTED_MEDIA_TYPE({ detail: 'The request body must be application/json in UTF-8.' });
  }
}

/**
 * A pass over the raw bytes before anything is built: JSON.parse itself spends tens of
 * milliseconds building a 90,000-key object or 500,000 nested arrays, so the shape is
 * bounded before it runs. Structural characters are ASCII and never occur inside a UTF-8
 * sequence; items are counted by the commas of each open container (malformed text is
 * left to the parser, which refuses it).
 */
function assertRawShape(raw: Buffer, limits: BodyShapeLimits): void {
  const items: number[] = [];
  const objects: boolean[] = [];
  let values = 1;
  let inString = false;
  for (let index = 0; index < raw.length; index++) {
    const byte = raw[index]!;
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    switch (byte) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (items.length >= limits.maxDepth) tooComplex(`nested deeper than ${limits.maxDepth} levels`);
        items.push(1);
        objects.push(byte === OPEN_OBJECT);
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        items.pop();
        objects.pop();
        break;
      case COMMA: {
        const top = items.length - 1;
        if (top < 0) break;
        const count = ++items[top]!;
        if (objects[top] ? count > limits.maxKeysPerObject : count > limits.maxArrayLength) {
          tooComplex(
            objects[top]
              ? `an object with more than ${limits.maxKeysPerObject} keys`
              : `an array longer than ${limits.maxArrayLength} items`,
          );
        }
        if (++values > limits.maxValues) tooComplex(`more than ${limits.maxValues} values`);
        break;
      }
    }
  }
}

const [QUOTE, BACKSLASH, COMMA, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY] = Array.from('"\\,{}[]', (character) =>
  character.charCodeAt(0),
);

/** Iterative (an explicit stack, never recursion), stopping at the first limit crossed; exact where the raw pass counts commas. */
function assertShape(body: unknown, limits: BodyShapeLimits): void {
  const stack: Visit[] = [{ value: body, depth: 1 }];
  let values = 0;
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value, depth } = visit;
    if (++values > limits.maxValues) tooComplex(`more than ${limits.maxValues} values`);
    if (typeof value === 'string') {
      if (!isPlainText(value)) invalidText(pathOf(visit));
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limits.maxDepth) tooComplex(`nested deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) tooComplex(`an array longer than ${limits.maxArrayLength} items`);
      for (let index = value.length - 1; index >= 0; index--)
        stack.push({ value: value[index], depth: depth + 1, parent: visit, at: index });
      continue;
    }
    let keys = 0;
    for (const key in value) {
      if (++keys > limits.maxKeysPerObject) tooComplex(`an object with more than ${limits.maxKeysPerObject} keys`);
      const child: Visit = { value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: visit, at: key };
      if (!isPlainText(key)) invalidText(pathOf(child));
      // A key naming a built-in (toString, hasOwnProperty, constructor, …) would pass the
      // validator's whitelist (it looks the name up on a plain object) and shadow the method.
      if (Object.prototype.hasOwnProperty.call(Object.prototype, key))
        invalidField(pathOf(child), 'is the name of a built-in property and is not allowed');
      stack.push(child);
    }
  }
}

/** One value of the walk; its path is spelled out only for an error (not for every value of every body). */
interface Visit {
  readonly value: unknown;
  readonly depth: number;
  readonly parent?: Visit;
  readonly at?: string | number;
}

function pathOf(visit: Visit): string {
  const steps: (string | number)[] = [];
  for (let step: Visit | undefined = visit; step?.parent; step = step.parent) steps.unshift(step.at!);
  return steps.map((at, index) => (typeof at === 'number' ? `[${at}]` : `${index === 0 ? '' : '.'}${fieldName(at)}`)).join('');
}

/** Text PostgreSQL stores and every validator reads: no NUL, no unpaired surrogate. */
export function isPlainText(value: string): boolean {
  return value.isWellFormed() && !value.includes('\0');
}

/** Client text fit for an error body: at most `max` characters, control characters and NULs escaped. */
export function printable(text: string, max: number): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(shown) || !shown.isWellFormed() ? JSON.stringify(shown.toWellFormed()).slice(1, -1) : shown;
}

/** A field name as an error body names it. */
export function fieldName(key: string): string {
  return printable(key, 64);
}

function tooComplex(what: string): never {
  throw HttpBoundaryProblems.BODY_TOO_COMPLEX({ detail: `The request body has ${what}.` });
}

function invalidText(path: string): never {
  invalidField(path, 'must not contain NUL characters or unpaired surrogates');
}

function invalidField(path: string, message: string): never {
  const errors: InvalidField[] = [{ field: path || '(body)', messages: [message] }];
  throw RequestProblems.VALIDATION_FAILED({ errors });
}

/**
 * Path parameters and query values (and query keys) are text too: one with a NUL or an
 * unpaired surrogate is a 400 naming it, before a handler, a validator or PostgreSQL sees it;
 * so is a query parameter named like a built-in property (`toString`, `__proto__`).
 */
export function assertPlainParameters(params: unknown, query: unknown): void {
  for (const [where, values] of [
    ['path', params],
    ['query', query],
  ] as const) {
    if (typeof values !== 'object' || values === null) continue;
    for (const [key, value] of Object.entries(values)) {
      const texts: unknown[] = Array.isArray(value) ? value : [value];
      if (!isPlainText(key) || texts.some((text) => typeof text === 'string' && !isPlainText(text)))
        invalidText(`${where}.${fieldName(key)}`);
      // As in a body: a query parameter named like a built-in (toString, constructor, __proto__)
      // would pass a query DTO's whitelist (the validator looks the name up on a plain object).
      if (where === 'query' && Object.prototype.hasOwnProperty.call(Object.prototype, key))
        invalidField(`${where}.${fieldName(key)}`, 'is the name of a built-in property and is not allowed');
    }
  }
}
