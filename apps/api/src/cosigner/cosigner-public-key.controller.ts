import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Public } from '@ringfence/access';
import { RequestProblems } from '@ringfence/problems';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { CosignerPublicKeyDto } from './dto/cosigner-public-key.dto';
import { CosignerKeys } from './protocol/cosigner-keys';

/**
 * `GET /v1/cosigner/:provider/public-key` (docs/routes.md): the public half of our response
 * key, which the provider's console is given to verify our answers. Public: it is a public
 * key, and the provider's side has no credential of ours. A provider that is not configured
 * is a 404, whether its name is unknown or malformed.
 */
@ApiTags('cosigner')
@Controller('v1/cosigner/:provider')
export class CosignerPublicKeyController {
  constructor(private readonly keys: CosignerKeys) {}

  @Get('public-key')
  @Public()
  @ApiParam({
    name: 'provider',
    description: 'A configured provider (COSIGNER_PROVIDERS); any other name, well-formed or not, is a 404.',
    example: 'simulator',
  })
  @ApiOkResponse({ type: CosignerPublicKeyDto, description: 'The active response key (COSIGNER_RESPONSE_KEY_VERSION, else the highest).' })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'cosigner.publicKey', summary: "Our answers' public signing key" })
  publicKey(@Param('provider') provider: string): CosignerPublicKeyDto {
    if (this.keys.providerKeys(provider).length === 0) throw RequestProblems.NOT_FOUND();
    const { kid, pem, jwk } = this.keys.responsePublicKey;
    return { provider, kid, algorithm: 'RS256', publicKeyPem: pem, jwk };
  }
}
