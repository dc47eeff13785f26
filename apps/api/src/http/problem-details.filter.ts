import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { InvalidField, isReportedState, Problem, retryAfterOf } from '@ringfence/problems';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem';
import { RouteMethodIndex } from './route-method-index';

interface ProblemParts {
  status: number;
  code?: string;
  detail?: string;
  errors?: InvalidField[];
}

/**
 * The one error envelope: everything that leaves as an error is RFC 9457 problem JSON
 * with `code` and `requestId`. Client-visible text comes from the table or from our own
 * exceptions' structured bodies, never from an arbitrary error message, so no stack,
 * SQL or secret can ride along. Only 5xx are logged as errors.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly routes: RouteMethodIndex) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let parts = this.describe(exception);

    if (parts.status === 404 && parts.code === undefined) {
      // Only an unmatched method on a known path is a 405; a handler's own 404 stays a 404.
      const allowed = this.routes.allowedMethods(request.url.split('?')[0] ?? '/');
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      if (allowed.length > 0 && !allowed.includes(method)) {
        parts = { status: 405 };
        void reply.header('allow', allowed.join(', '));
      }
    }
    // A state reported elsewhere (not ready, limit counters unreachable) is not logged
    // again per request; only unexpected failures are.
    if (parts.status >= 500 && !isReportedState(exception)) request.log.error({ err: exception }, 'request failed');
    if (parts.status === 401) void reply.header('www-authenticate', 'Bearer');
    const retryAfter = retryAfterOf(exception);
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));

    sendProblem(reply, parts.status, String(request.id), parts);
  }

  private describe(exception: unknown): ProblemParts {
    if (exception instanceof Problem) {
      return { status: exception.status, code: exception.code, detail: exception.detail, ...(exception.errors ? { errors: [...exception.errors] } : {}) };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'object' && response !== null && typeof (response as { code?: unknown }).code === 'string') {
        const structured = response as { code: string; detail?: unknown; errors?: InvalidField[] };
        return {
          status,
          code: structured.code,
          detail: typeof structured.detail === 'string' ? structured.detail : undefined,
          errors: structured.errors,
        };
      }
      return { status };
    }
    // Client errors Fastify raises outside Nest's mapping keep their status, not their text.
    const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return { status: statusCode };
    return { status: 500 };
  }
}
