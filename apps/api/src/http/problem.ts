import { InvalidField, PROBLEM_CONTENT_TYPE, ProblemDocument, problemType } from '@ringfence/problems';
import type { FastifyReply } from 'fastify';

/** Stable machine-readable codes of the problem documents this API answers with. */
export enum ErrorCode {
  BadRequest = 'BAD_REQUEST',
  ValidationFailed = 'VALIDATION_FAILED',
  MalformedJson = 'MALFORMED_JSON',
  InvalidEncoding = 'INVALID_ENCODING',
  BodyTooComplex = 'BODY_TOO_COMPLEX',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  RequestTimeout = 'REQUEST_TIMEOUT',
  Conflict = 'CONFLICT',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UriTooLong = 'URI_TOO_LONG',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  ExpectationFailed = 'EXPECTATION_FAILED',
  HeadersTooLarge = 'HEADERS_TOO_LARGE',
  NotImplemented = 'NOT_IMPLEMENTED',
  RateLimited = 'RATE_LIMITED',
  Internal = 'INTERNAL',
  Unavailable = 'SERVICE_UNAVAILABLE',
  /** A database fault (unreachable, connection lost, timed out, contention that outlived its retries): 503 with Retry-After (@ringfence/tenancy's DatabaseUnavailableException). */
  DatabaseUnavailable = 'DATABASE_UNAVAILABLE',
}

export const DEFAULT_PROBLEMS: Readonly<Record<number, { code: ErrorCode; title: string; detail: string }>> = {
  400: { code: ErrorCode.BadRequest, title: 'Bad Request', detail: 'The request is not valid.' },
  401: { code: ErrorCode.Unauthenticated, title: 'Unauthorized', detail: 'Valid credentials are required.' },
  403: { code: ErrorCode.Forbidden, title: 'Forbidden', detail: 'The caller may not do this.' },
  404: { code: ErrorCode.NotFound, title: 'Not Found', detail: 'No such resource.' },
  405: { code: ErrorCode.MethodNotAllowed, title: 'Method Not Allowed', detail: 'This resource does not support the method.' },
  408: { code: ErrorCode.RequestTimeout, title: 'Request Timeout', detail: 'The request did not arrive in time.' },
  409: { code: ErrorCode.Conflict, title: 'Conflict', detail: 'The request conflicts with the current state.' },
  413: { code: ErrorCode.PayloadTooLarge, title: 'Content Too Large', detail: 'The request body is larger than this route accepts.' },
  414: { code: ErrorCode.UriTooLong, title: 'URI Too Long', detail: 'A path segment is longer than this API accepts.' },
  417: { code: ErrorCode.ExpectationFailed, title: 'Expectation Failed', detail: 'This API meets no Expect but 100-continue.' },
  415: { code: ErrorCode.UnsupportedMediaType, title: 'Unsupported Media Type', detail: 'The request body must be application/json.' },
  429: { code: ErrorCode.RateLimited, title: 'Too Many Requests', detail: 'Slow down and retry later.' },
  431: { code: ErrorCode.HeadersTooLarge, title: 'Request Header Fields Too Large', detail: 'The request headers are larger than this API accepts.' },
  500: { code: ErrorCode.Internal, title: 'Internal Server Error', detail: 'Something went wrong on our side.' },
  501: { code: ErrorCode.NotImplemented, title: 'Not Implemented', detail: 'This API does not support the request method.' },
  503: { code: ErrorCode.Unavailable, title: 'Service Unavailable', detail: 'The service cannot answer right now.' },
};

/** The problem document of `status`: the table's code, title and detail unless the caller names its own. */
export function problemDocument(
  status: number,
  requestId: string,
  parts: { code?: string; detail?: string; errors?: InvalidField[] } = {},
): ProblemDocument {
  const fallback = DEFAULT_PROBLEMS[status] ?? DEFAULT_PROBLEMS[status >= 500 ? 500 : 400]!;
  const code = parts.code ?? fallback.code;
  return {
    type: problemType(code),
    title: fallback.title,
    status,
    detail: parts.detail ?? fallback.detail,
    code,
    requestId,
    ...(parts.errors ? { errors: parts.errors } : {}),
  };
}

/**
 * A whole HTTP/1.1 answer carrying the problem document of `status`, for a socket no
 * request object was made for (the HTTP parser refused what arrived). Closes the connection.
 */
export function rawProblemResponse(status: number, requestId: string, headers: Readonly<Record<string, string>>): string {
  const body = JSON.stringify(problemDocument(status, requestId));
  const title = (DEFAULT_PROBLEMS[status] ?? DEFAULT_PROBLEMS[400]!).title;
  const lines = Object.entries({ ...headers, 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': String(Buffer.byteLength(body)), 'x-request-id': requestId, connection: 'close' });
  return `HTTP/1.1 ${status} ${title}\r\n${lines.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n${body}`;
}

/** Answers with the problem document of `status` (see problemDocument). */
export function sendProblem(reply: FastifyReply, status: number, requestId: string, parts?: Parameters<typeof problemDocument>[2]): void {
  void reply.status(status).header('content-type', PROBLEM_CONTENT_TYPE).send(problemDocument(status, requestId, parts));
}
