import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { Problem } from '@ringfence/problems';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpBoundaryProblems } from './http-boundary.problems';
import { problemOfStatus, sendProblem } from './problem';
import { RouteMethodIndex } from './route-method-index';

/**
 * The one error envelope: everything that leaves as an error is RFC 9457 problem JSON
 * with `code` and `requestId`. Our own errors are catalogued Problems; an error Nest or
 * Fastify raised is answered as the catalogued problem of its status, and anything else
 * as INTERNAL: client-visible text comes only from the catalogue and our own occurrences,
 * never from an arbitrary error message, so no stack, SQL or secret can ride along. Only
 * 5xx are logged as errors, and not those whose state is reported elsewhere.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly routes: RouteMethodIndex) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = exception instanceof Problem ? exception : this.frameworkProblem(exception, request, reply);

    if (problem.status >= 500 && !problem.reportedState) request.log.error({ err: exception }, 'request failed');

    sendProblem(reply, problem, String(request.id));
  }

  /** The problem of an error that is not ours: its status's (Nest's, or a Fastify client error's), else INTERNAL. */
  private frameworkProblem(exception: unknown, request: FastifyRequest, reply: FastifyReply): Problem {
    const status = statusOf(exception);
    if (status === 404) {
      // Only an unmatched method on a known path is a 405; a handler's own 404 stays a 404.
      const allowed = this.routes.allowedMethods(request.url.split('?')[0] ?? '/');
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      if (allowed.length > 0 && !allowed.includes(method)) {
        void reply.header('allow', allowed.join(', '));
        return HttpBoundaryProblems.METHOD_NOT_ALLOWED();
      }
    }
    return problemOfStatus(status);
  }
}

/** Nest's exceptions keep their status; client errors Fastify raises keep theirs, not their text; anything else is a 500. */
function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : 500;
}
