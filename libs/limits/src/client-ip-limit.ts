import { Injectable } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { LimitCharge, RequestLimit } from './request-limit';

/**
 * L1, before authentication and before the body is read: requests per client address
 * over a sliding minute. The address is the request context's (the socket, or
 * X-Forwarded-For from a trusted proxy only); IPv6 addresses count per /64. Anonymous
 * floods stop here, before a body is parsed, a key looked up or a password hashed; 404s
 * and refused bodies count too. The HTTP boundary calls `charge` from Fastify's
 * `onRequest` hook (it is not a Nest guard: those run after the body is parsed).
 * `@SkipRateLimits()` exempts a route (health probes).
 */
@Injectable()
export class ClientIpLimit extends RequestLimit {
  protected readonly refusal = 'Too many requests from this address. Retry later.';

  protected chargesFor(): readonly LimitCharge[] {
    return this.chargesOf(this.context.clientIp);
  }

  /**
   * Counts a request that has no request context: one the router refused before any hook
   * ran (a URL that does not decode), answered through Fastify's `frameworkErrors`.
   */
  chargeAddress(clientIp: string | undefined, reply: FastifyReply): boolean | Promise<boolean> {
    return this.chargeAll(this.chargesOf(clientIp), reply);
  }

  private chargesOf(clientIp: string | undefined): readonly LimitCharge[] {
    return [{ key: `ip:${normalizeIp(clientIp ?? 'unknown')}`, limit: this.options.perClientIpPerMinute, policy: 'ip', stated: true }];
  }
}
