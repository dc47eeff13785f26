import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, idempotencyKeyOf } from './idempotency-key';
import { IdempotencyProblems } from './idempotency.problems';

export const IDEMPOTENT = 'ringfence:idempotent';

/**
 * The route requires an `Idempotency-Key` header and answers a retry with the answer the
 * first request got (docs/adr/0020-idempotency-keys.md). Within the caller's workspace and
 * environment, for IDEMPOTENCY_KEY_TTL_HOURS:
 *
 * - a new key: the handler runs, and its answer (status, body, content type, location) is
 *   stored in the request's transaction just before COMMIT: stored exactly when the mutation
 *   committed. A handler that throws stores nothing (its transaction rolled back); the key
 *   stays free and a retry runs afresh;
 * - the same key and the same request (method, route, parameters, query, canonical body):
 *   the stored answer again, with `Idempotent-Replayed: true`; the handler does not run and
 *   no audit row is written;
 * - the same key and another request: 422 IDEMPOTENCY_KEY_REUSED; the same key held by a
 *   request still running: 409 IDEMPOTENCY_KEY_IN_FLIGHT, at once;
 * - no header: 400 IDEMPOTENCY_KEY_REQUIRED; a malformed one: 400 IDEMPOTENCY_KEY_MALFORMED.
 *
 * `{ required: false }`: a request without the header runs as on any other route (no
 * replay); one with it is served as above. For creates whose clients predate the header.
 *
 * Only on a mutating route of API keys (`@Scopes`: the key's workspace and environment are
 * the scope) or of admins (`@AdminRoles`: each admin's own keys) that is `@Audited` (which
 * brings the transaction), in any order with them; the application refuses to boot otherwise. Never
 * on a route whose answer carries a secret (a key shown once, a revealed value, a token):
 * the answer is kept in the database, unsealed, and replayed to any key of the workspace and
 * environment. The boot check refuses a route whose documented response has a field that an
 * owner declared secret (`declareAuditRedactions`); a route whose response type it cannot
 * see is the reviewer's to check. The handler reads the key with `@IdempotencyKey()`.
 */
export function Idempotent(options: { required?: boolean } = {}): MethodDecorator {
  const required = options.required ?? true;
  return applyDecorators(
    SetMetadata(IDEMPOTENT, { required } satisfies Idempotency),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required,
      description:
        (required ? '' : 'Optional: without it, a retry may make a second one. ') +
        'A key of your choosing, unique per request you mean to make once (a UUID is a good one): a retry with the same key ' +
        `and the same request gets the first answer again, marked \`${IDEMPOTENT_REPLAYED_HEADER}: true\`. Kept at least 24 hours, ` +
        'per workspace and environment for an API key, per admin for an admin. 1 to 255 visible ASCII characters but `"`, `,` ' +
        'and `\\`; the quoted form `"key"` is the same key.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY.source },
    }),
    ApiProblems(
      ...(required ? [IdempotencyProblems.IDEMPOTENCY_KEY_REQUIRED] : []),
      IdempotencyProblems.IDEMPOTENCY_KEY_MALFORMED,
      IdempotencyProblems.IDEMPOTENCY_KEY_IN_FLIGHT,
      IdempotencyProblems.IDEMPOTENCY_KEY_REUSED,
    ),
  );
}

/** How a route takes its key. */
export interface Idempotency {
  readonly required: boolean;
}

/** The handler's `@Idempotent()` declaration; undefined: none. */
export function idempotencyOf(handler: object): Idempotency | undefined {
  return Reflect.getMetadata(IDEMPOTENT, handler) as Idempotency | undefined;
}

/** Whether the handler is declared `@Idempotent()`. */
export function isIdempotent(handler: object): boolean {
  return idempotencyOf(handler) !== undefined;
}

/**
 * The request's idempotency key, as checked before its transaction opened (a route's
 * parameter: `@IdempotencyKey() key: string`). Only on an `@Idempotent()` route.
 */
export const IdempotencyKey = createParamDecorator((_data: unknown, execution: ExecutionContext): string => {
  if (!isIdempotent(execution.getHandler())) throw new Error('@IdempotencyKey() is read on an @Idempotent() route only');
  return idempotencyKeyOf(execution.switchToHttp().getRequest<FastifyRequest>().raw.rawHeaders);
});
