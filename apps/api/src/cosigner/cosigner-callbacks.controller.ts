import { applyDecorators, Controller, Header, HttpCode, HttpStatus, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AccessProblems, ProviderSigned, unauthenticated } from '@ringfence/access';
import { AuditedInService } from '@ringfence/audit';
import type { FastifyRequest } from 'fastify';
import { TokenBody } from '../http/body-limits';
import { Metrics } from '../metrics/metrics';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { CosignerProblems } from './cosigner.problems';
import { CallbackKind, CosignerDecisions } from './decisions/cosigner-decisions';
import { verifiedCallbackOf } from './callbacks/provider-signature.authenticator';

const TOKEN_BODY = {
  schema: { type: 'string', example: 'eyJhbGciOiJSUzI1NiIsImtpZCI6InYxIn0.eyJyZXF1ZXN0SWQiOiI…' },
  description:
    "A compact JWT, RS256, signed by the provider's co-signer key (`cosigner-<provider>.pub.vN.pem`). Verified over these exact bytes before anything reads it.",
};
const ANSWER = {
  description:
    'A compact JWT, RS256 with our response key (`GET /v1/cosigner/{provider}/public-key`): `{ action: APPROVE | REJECT | RETRY, requestId, rejectionReason? }`. ' +
    'A retried request gets the stored answer byte for byte; RETRY is not final.',
  schema: { type: 'string' },
};

/**
 * What both callbacks are: authenticated by the provider's signature over the body as
 * received, decided and audited by the cosigner in its own transactions, answered with our
 * signed token as text.
 */
const CallbackRoute = (): MethodDecorator =>
  applyDecorators(
    ProviderSigned(),
    AuditedInService('cosigner.decide'),
    TokenBody(),
    HttpCode(HttpStatus.OK),
    Header('content-type', 'text/plain; charset=utf-8'),
    ApiConsumes('text/plain', 'application/jwt', 'application/json'),
    ApiProduces('text/plain'),
    ApiBody(TOKEN_BODY),
    ApiProblems(AccessProblems.UNAUTHENTICATED, CosignerProblems.REQUEST_ID_MISSING),
  );

/**
 * The custody provider's co-signer callbacks (docs/routes.md: `/v1/cosigner/:provider/v2/…`),
 * authenticated by their signature alone: the body is the provider's signed token, verified
 * before the handler runs (an unverified one is a 401 and a security event), and the
 * answer is our signed token, as text.
 */
@ApiTags('cosigner (provider)')
@Controller('v1/cosigner/:provider/v2')
export class CosignerCallbacksController {
  constructor(
    private readonly decisions: CosignerDecisions,
    private readonly metrics: Metrics,
  ) {}

  @Post('tx_sign_request')
  @CallbackRoute()
  @ApiOkResponse(ANSWER)
  @ApiOperation({ operationId: 'cosigner.txSignRequest', summary: "The provider's signing callback" })
  txSignRequest(@Param('provider') _provider: string, @Req() request: FastifyRequest): Promise<string> {
    return this.answer(request, 'tx_sign');
  }

  @Post('config_change_sign_request')
  @CallbackRoute()
  @ApiOkResponse({
    ...ANSWER,
    description: `${ANSWER.description} Configuration changes are rejected (\`config_change_not_supported\`) and audited.`,
  })
  @ApiOperation({ operationId: 'cosigner.configChangeSignRequest', summary: "The provider's config-change callback (refused)" })
  configChangeRequest(@Param('provider') _provider: string, @Req() request: FastifyRequest): Promise<string> {
    return this.answer(request, 'config_change');
  }

  private async answer(request: FastifyRequest, kind: CallbackKind): Promise<string> {
    const verified = verifiedCallbackOf(request);
    // The gate admitted the request only through the provider authenticator, which leaves this.
    if (!verified) throw unauthenticated();
    const reply = await this.decisions.answer(verified.provider, kind, verified.payload);
    request.log.info({ cosigner: { action: reply.action, replayed: reply.replayed } }, 'cosigner answer');
    this.metrics.cosignerDecisions.inc({ action: reply.action, replayed: String(reply.replayed) });
    return reply.token;
  }
}
