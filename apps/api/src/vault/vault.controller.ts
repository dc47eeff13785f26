import { PageQuery } from '../paging/page-query';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { callerOf, Scopes } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { RequestContext } from '@ringfence/tenancy';
import { ApiProblems } from '../openapi/api-problems.decorator';
import {
  AddVaultSecretVersionDto,
  CreateVaultSecretDto,
  RevealedVaultSecretDto,
  RevealVaultSecretDto,
  VaultSecretDetailDto,
  VaultSecretDto,
  VaultSecretPageDto,
  VaultSecretParams,
} from './dto/vault.dto';
import { RevealLimitGuard } from './reveal-limit.guard';
import { VaultOwner, VaultSecrets } from './vault-secrets';
import { VaultProblems } from './vault.problems';

/**
 * The workspace's vault (docs/routes.md: `/v1/vault/secrets`). The vault is the calling key's
 * workspace and environment; a name elsewhere is a 404, like a name nowhere. Values go in
 * through create and new version and come out through reveal alone.
 */
@ApiTags('vault')
@ApiBearerAuth('apiKey')
@Controller('v1/vault/secrets')
export class VaultController {
  constructor(
    private readonly secrets: VaultSecrets,
    private readonly context: RequestContext,
  ) {}

  @Post()
  @Scopes('vault:write')
  @Audited('vault_secret.create')
  @Idempotent({ required: false })
  @ApiCreatedResponse({
    type: VaultSecretDto,
    description: 'Metadata only: the value is never echoed. A taken name is a 409 SECRET_EXISTS.',
  })
  @ApiProblems(VaultProblems.SECRET_EXISTS, VaultProblems.VAULT_FULL)
  @ApiOperation({ operationId: 'vault.secrets.create', summary: 'Create a vault secret' })
  create(@Body() body: CreateVaultSecretDto): Promise<VaultSecretDto> {
    return this.secrets.create(this.owner(), body);
  }

  @Get()
  @Scopes('vault:read')
  @ApiOkResponse({ type: VaultSecretPageDto, description: 'By name; `nextCursor` reads the next page.' })
  @ApiOperation({ operationId: 'vault.secrets.list', summary: "List the vault's secrets (metadata only)" })
  list(@Query() query: PageQuery): Promise<VaultSecretPageDto> {
    return this.secrets.list(this.owner(), query);
  }

  @Get(':name')
  @Scopes('vault:read')
  @ApiOkResponse({ type: VaultSecretDetailDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'vault.secrets.get', summary: "Get a secret's metadata and versions" })
  get(@Param() params: VaultSecretParams): Promise<VaultSecretDetailDto> {
    return this.secrets.get(this.owner(), params.name);
  }

  @Post(':name/versions')
  @Scopes('vault:write')
  @Audited('vault_secret.add_version')
  @ApiCreatedResponse({ type: VaultSecretDto, description: 'The new version is current; versions past the kept number are destroyed.' })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'vault.secrets.addVersion', summary: 'Add a new version of a vault secret' })
  addVersion(@Param() params: VaultSecretParams, @Body() body: AddVaultSecretVersionDto): Promise<VaultSecretDto> {
    return this.secrets.addVersion(this.owner(), params.name, body);
  }

  @Delete(':name')
  @Scopes('vault:write')
  @Audited('vault_secret.delete')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted, every version destroyed.' })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'vault.secrets.delete', summary: 'Delete a vault secret' })
  async delete(@Param() params: VaultSecretParams): Promise<void> {
    await this.secrets.delete(this.owner(), params.name);
  }

  @Post(':name/reveal')
  @Scopes('vault:reveal')
  @UseGuards(RevealLimitGuard)
  @Audited('vault_secret.reveal')
  @HttpCode(HttpStatus.OK)
  @ApiBody({ type: RevealVaultSecretDto, required: false, description: 'Optional: no body reveals the current version.' })
  @ApiOkResponse({ type: RevealedVaultSecretDto, description: 'Audited before the value leaves (who, which secret, which version).' })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiTooManyRequestsResponse({
    description: 'Past VAULT_REVEALS_PER_MINUTE for this key, or VAULT_WORKSPACE_REVEALS_PER_MINUTE for its vault.',
  })
  @ApiOperation({ operationId: 'vault.secrets.reveal', summary: "Reveal a secret's plaintext (audited, limited)" })
  reveal(@Param() params: VaultSecretParams, @Body() body: RevealVaultSecretDto): Promise<RevealedVaultSecretDto> {
    // No body arrives validated as an empty one (the current version).
    return this.secrets.reveal(this.owner(), params.name, body.version);
  }

  private owner(): VaultOwner {
    const { workspaceId, environment } = callerOf(this.context, 'api_key');
    return { workspaceId, environment };
  }
}
