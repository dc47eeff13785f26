import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** What replaces a secret in a value that is kept (a user agent, an exception message). */
export const REDACTED = 'REDACTED';

/** A query string: never exported, whatever it holds (a key, a reset or refresh token, a cursor). */
const QUERY_ATTRIBUTES: ReadonlySet<string> = new Set(['url.query', 'http.query']);
/** A URL or a request target: exported without its query, its fragment and any user info. */
const URL_ATTRIBUTE = /(^|\.)(url|target)(\.|$)/;
/** An attribute named like a secret (a captured header such as `http.request.header.authorization`): never exported. */
const SECRET_NAME = /authori[sz]ation|cookie|token|secret|passw|api[-_.]?key|credential|signature|private[-_.]?key|recovery[-_.]?code/i;

/**
 * In any string kept: a workspace key (`rf_live_…`, `rf_test_…`: the format is ours, so any
 * place it turns up is a leak), a bearer credential, and the value of a secret-named query
 * parameter (in an exception message that quotes a URL).
 */
const VALUE_SCRUBS: readonly [RegExp, string][] = [
  [/\brf_(live|test)_[0-9A-Za-z]+/g, `rf_$1_${REDACTED}`],
  [/\b(bearer|basic)\s+[^\s,;"']+/gi, `$1 ${REDACTED}`],
  [/([?&;][^=&#\s?]*(?:key|token|secret|passw|signature|sig|code|auth|credential)[^=&#\s?]*=)[^&#\s"']*/gi, `$1${REDACTED}`],
];

/** `url` without its query and fragment, and without user info (`scheme://user:pass@host`). */
export function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return (cut < 0 ? url : url.slice(0, cut)).replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

export function scrubValue(value: string): string {
  return VALUE_SCRUBS.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), value);
}

function scrubAttributeValue(value: AttributeValue): AttributeValue {
  if (typeof value === 'string') return scrubValue(value);
  if (Array.isArray(value)) return value.map((item: unknown) => (typeof item === 'string' ? scrubValue(item) : item)) as AttributeValue;
  return value;
}

/** Rewrites `attributes` in place: what is exported is what is left. */
export function redactAttributes(attributes: Attributes): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (QUERY_ATTRIBUTES.has(key) || SECRET_NAME.test(key)) {
      delete attributes[key];
    } else if (value !== undefined) {
      attributes[key] = URL_ATTRIBUTE.test(key) && typeof value === 'string' ? scrubValue(withoutQuery(value)) : scrubAttributeValue(value);
    }
  }
}

/**
 * No span leaves the process with a query string or a secret in it (docs/adr/0023-observability.md):
 * the HTTP instrumentation records an incoming request's query as `url.query` (a key sent as
 * `?api_key=`, a reset or refresh token in a link) and an outgoing request's whole URL as
 * `url.full` (a webhook endpoint's URL may carry its receiver's token), and redacts only a
 * few cloud signatures itself. Run as each span ends (`onEnding`, before it is read-only and
 * before any exporting processor's `onEnd`), over every attribute of every span and of its
 * events, whichever instrumentation made it.
 */
export class SpanRedactor implements SpanProcessor {
  onStart(): void {}

  onEnding(span: Span): void {
    redactAttributes(span.attributes);
    for (const event of span.events) if (event.attributes) redactAttributes(event.attributes);
    const name = scrubValue(withoutQuery(span.name));
    if (name !== span.name) span.updateName(name);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
