import { AccessProblems } from '@ringfence/access';
import { LimitProblems } from '@ringfence/limits';
import { Problem, PROBLEM_CONTENT_TYPE, ProblemFactory, RequestProblems } from '@ringfence/problems';
import type { FastifyReply } from 'fastify';
import { HttpBoundaryProblems } from './http-boundary.problems';

/** The problem an error that carries only a status stands for (Nest's and Fastify's own, Node's parser's). */
const PROBLEM_OF_STATUS: Readonly<Record<number, ProblemFactory>> = {
  400: RequestProblems.BAD_REQUEST,
  401: AccessProblems.UNAUTHENTICATED,
  403: RequestProblems.FORBIDDEN,
  404: RequestProblems.NOT_FOUND,
  405: HttpBoundaryProblems.METHOD_NOT_ALLOWED,
  408: HttpBoundaryProblems.REQUEST_TIMEOUT,
  409: RequestProblems.CONFLICT,
  413: HttpBoundaryProblems.PAYLOAD_TOO_LARGE,
  414: HttpBoundaryProblems.URI_TOO_LONG,
  415: HttpBoundaryProblems.UNSUPPORTED_MEDIA_TYPE,
  417: HttpBoundaryProblems.EXPECTATION_FAILED,
  429: LimitProblems.RATE_LIMITED,
  431: HttpBoundaryProblems.HEADERS_TOO_LARGE,
  500: RequestProblems.INTERNAL,
  501: HttpBoundaryProblems.NOT_IMPLEMENTED,
  503: RequestProblems.SERVICE_UNAVAILABLE,
};

/** The catalogued problem of `status`; a status it does not list is a BAD_REQUEST (4xx) or an INTERNAL (5xx). */
export function problemOfStatus(status: number): Problem {
  return (PROBLEM_OF_STATUS[status] ?? (status >= 500 ? RequestProblems.INTERNAL : RequestProblems.BAD_REQUEST))();
}

/**
 * A whole HTTP/1.1 answer carrying `problem`, for a socket no request object was made for
 * (the HTTP parser refused what arrived). Closes the connection.
 */
export function rawProblemResponse(problem: Problem, requestId: string, headers: Readonly<Record<string, string>>): string {
  const body = JSON.stringify(problem.document(requestId));
  const lines = Object.entries({
    ...headers,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': requestId,
    connection: 'close',
  });
  return `HTTP/1.1 ${problem.status} ${problem.title}\r\n${lines.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n${body}`;
}

/** Answers with `problem`'s document and the headers its status asks for (`WWW-Authenticate` on a 401, `Retry-After`). */
const PROBLEM_CODE = Symbol('ringfence.problemCode');

/** The code of the problem a reply answered, for its metrics; undefined for any other answer. */
export function problemCodeOf(reply: FastifyReply): string | undefined {
  return (reply as FastifyReply & { [PROBLEM_CODE]?: string })[PROBLEM_CODE];
}

export function sendProblem(reply: FastifyReply, problem: Problem, requestId: string): void {
  (reply as FastifyReply & { [PROBLEM_CODE]?: string })[PROBLEM_CODE] = problem.code;
  if (problem.status === 401) void reply.header('www-authenticate', 'Bearer');
  if (problem.retryAfterSeconds !== undefined) void reply.header('retry-after', String(problem.retryAfterSeconds));
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem.document(requestId));
}
