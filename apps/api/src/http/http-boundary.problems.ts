import { defineProblems } from '@ringfence/problems';

/**
 * What only the request boundary answers: bodies that are not plain UTF-8 JSON within their
 * limits (docs/adr/0010-hostile-input-at-the-boundary.md), and what Node's HTTP parser or
 * Fastify refuses before a route is found.
 */
export const HttpBoundaryProblems = defineProblems({
  MALFORMED_JSON: { status: 400, detail: 'The request body is not valid JSON.' },
  INVALID_ENCODING: { status: 400, detail: 'The request body is not valid UTF-8.' },
  /** Each occurrence names the limit the body is past. */
  BODY_TOO_COMPLEX: { status: 400, detail: 'The request body is nested too deeply or has too many keys, items or values.' },
  METHOD_NOT_ALLOWED: { status: 405, detail: 'This resource does not support the method.' },
  REQUEST_TIMEOUT: { status: 408, detail: 'The request did not arrive in time.' },
  PAYLOAD_TOO_LARGE: { status: 413, detail: 'The request body is larger than this route accepts.' },
  URI_TOO_LONG: { status: 414, detail: 'A path segment is longer than this API accepts.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, detail: 'The request body must be application/json.' },
  EXPECTATION_FAILED: { status: 417, detail: 'This API meets no Expect but 100-continue.' },
  HEADERS_TOO_LARGE: { status: 431, detail: 'The request headers are larger than this API accepts.' },
  NOT_IMPLEMENTED: { status: 501, detail: 'This API does not support the request method.' },
});
