import { ExecutionContext, Injectable } from '@nestjs/common';
import { actorLabel, ReplayableMutations, RequestContext, RequestMutation } from '@ringfence/tenancy';
import { Keyring } from '@ringfence/crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdempotencyKeys, IdempotencyScope, StoredAnswer } from './idempotency-keys';
import { fingerprintKeyOf, hasIdempotencyKey, IDEMPOTENT_REPLAYED_HEADER, idempotencyKeyOf, requestFingerprint } from './idempotency-key';
import { IdempotencyProblems } from './idempotency.problems';
import { idempotencyOf } from './idempotent.decorator';

/** The headers of an answer that a replay repeats; the boundary's (security headers, request id) are each request's own. */
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'] as const;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * `@Idempotent()` routes, plugged into the request's transaction (REPLAYABLE_MUTATIONS,
 * docs/adr/0020-idempotency-keys.md). Before the transaction: the key is read (or the
 * request refused) and the request's fingerprint taken. In it: the key is taken (else 409),
 * its entry read (the same request: its answer again; another: 422); else the mutation
 * runs and its answer is stored last, just before COMMIT.
 */
@Injectable()
export class IdempotentMutations implements ReplayableMutations {
  private readonly fingerprintKey: Buffer;

  constructor(
    private readonly keys: IdempotencyKeys,
    private readonly context: RequestContext,
    keyring: Keyring,
  ) {
    this.fingerprintKey = fingerprintKeyOf(keyring);
  }

  replayerFor(execution: ExecutionContext): ((mutation: RequestMutation) => Promise<unknown>) | undefined {
    const idempotency = idempotencyOf(execution.getHandler());
    if (!idempotency) return undefined;
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    // An optional key not sent: the route runs as any other, without replay.
    if (!idempotency.required && !hasIdempotencyKey(request.raw.rawHeaders)) return undefined;
    const reply = execution.switchToHttp().getResponse<FastifyReply>();
    const key = idempotencyKeyOf(request.raw.rawHeaders);
    const principal = this.context.principal;
    let scope: IdempotencyScope;
    if (principal.kind === 'api_key') scope = { workspaceId: principal.workspaceId, environment: principal.environment, key };
    else if (principal.kind === 'admin') scope = { adminId: principal.adminId, key };
    else throw new Error(`an @Idempotent() route is called by an API key or an admin, not a ${principal.kind}`);
    const fingerprint = requestFingerprint(
      {
        method: request.method,
        route: request.routeOptions.url ?? request.url,
        params: request.params,
        query: request.query,
        body: request.body,
      },
      this.fingerprintKey,
    );
    return async (mutation) => {
      if (!(await this.keys.take(scope))) throw IdempotencyProblems.IDEMPOTENCY_KEY_IN_FLIGHT();
      const earlier = await this.keys.find(scope);
      if (earlier) {
        if (!earlier.fingerprint.equals(fingerprint)) throw IdempotencyProblems.IDEMPOTENCY_KEY_REUSED();
        void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
        return send(reply, earlier);
      }
      const answer = answerOf(reply, await mutation());
      await this.keys.keep(scope, fingerprint, answer, actorLabel(principal));
      return send(reply, answer);
    };
  }
}

/**
 * The answer the handler gave, as it will be sent: its status and the replayed headers as
 * the reply holds them, its result as JSON (what Fastify would send for it). Sent as that
 * text, the first time as on a replay, so the two are the same bytes.
 */
function answerOf(reply: FastifyReply, result: unknown): StoredAnswer {
  if (typeof result === 'string' || Buffer.isBuffer(result) || typeof result === 'function') {
    throw new Error('an @Idempotent() route answers JSON: return an object, an array or nothing');
  }
  const body = result === undefined ? undefined : JSON.stringify(result);
  if (body !== undefined && reply.getHeader('content-type') === undefined) void reply.header('content-type', JSON_CONTENT_TYPE);
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return { status: reply.statusCode, headers, ...(body === undefined ? {} : { body }) };
}

/** Puts `answer`'s status and headers on the reply and returns its body for Nest to send (undefined: none). */
function send(reply: FastifyReply, answer: StoredAnswer): string | undefined {
  void reply.status(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) void reply.header(name, value);
  return answer.body;
}
