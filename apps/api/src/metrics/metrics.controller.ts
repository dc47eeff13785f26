import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AccessProblems, Public, unauthenticated } from '@ringfence/access';
import { SkipRateLimits } from '@ringfence/limits';
import { requestContextOf } from '@ringfence/tenancy';
import { RequestProblems } from '@ringfence/problems';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { plainIp } from '../http/client-address';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { Metrics } from './metrics';
import { METRICS_ACCESS, MetricsAccess } from './metrics.options';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)$/;

/**
 * Prometheus's scrape (docs/adr/0023-observability.md). Public at the gate, because its
 * credential is not an admin's or a key's: the route itself admits a scrape by METRICS_TOKEN
 * (a bearer token, compared in constant time), or, outside production without a token, from
 * a loopback address only; in production without a token it does not exist (404). Never
 * rate-limited: a scraper polls from one address, and a flood of scrapes shares one
 * collection in flight.
 */
@ApiTags('operations')
@Controller('metrics')
@Public()
export class MetricsController {
  private readonly expected?: Buffer;
  private inFlight?: Promise<string>;

  constructor(
    private readonly metrics: Metrics,
    @Inject(METRICS_ACCESS) private readonly access: MetricsAccess,
  ) {
    if (access.access === 'token') this.expected = digest(access.token);
  }

  @Get()
  @SkipRateLimits()
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The Prometheus text exposition format (0.0.4).', schema: { type: 'string' } })
  @ApiProblems(AccessProblems.UNAUTHENTICATED, RequestProblems.NOT_FOUND)
  @ApiOperation({
    operationId: 'metrics.scrape',
    summary: 'Prometheus metrics: with METRICS_TOKEN as a bearer token, or from loopback outside production',
  })
  async scrape(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.admit(request);
    this.inFlight ??= this.metrics.render().finally(() => (this.inFlight = undefined));
    const text = await this.inFlight;
    void reply.header('content-type', this.metrics.contentType).send(text);
  }

  private admit(request: FastifyRequest): void {
    switch (this.access.access) {
      case 'off':
        throw RequestProblems.NOT_FOUND();
      case 'loopback':
        // The client's address as the boundary resolved it (through the trusted proxies only),
        // and the connection's own: a host of a trusted range may forward "for" any address,
        // loopback too, and a proxy on loopback forwards remote clients.
        if (!LOOPBACK.test(requestContextOf(request)?.clientIp ?? '') || !LOOPBACK.test(plainIp(request.raw.socket.remoteAddress) ?? ''))
          throw RequestProblems.NOT_FOUND();
        return;
      case 'token': {
        const header = request.headers.authorization;
        const offered = header?.startsWith('Bearer ') ? digest(header.slice('Bearer '.length)) : undefined;
        if (!offered || !timingSafeEqual(offered, this.expected!)) throw unauthenticated();
      }
    }
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
