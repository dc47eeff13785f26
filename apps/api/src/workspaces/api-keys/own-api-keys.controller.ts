import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessProblems, callerOf, Scopes } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { Principal, RequestContext } from '@ringfence/tenancy';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { ApiKeyProblems } from './api-keys.problems';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyPageDto, CreatedApiKeyDto, CreateOwnApiKeyDto, RotateApiKeyDto } from './dto/api-key.dto';
import { PageQuery } from '../../paging/page-query';

type KeyPrincipal = Extract<Principal, { kind: 'api_key' }>;

/**
 * Self-serve keys (docs/routes.md: `/v1/api-keys`, keys:manage). The workspace and the
 * environment are the calling key's: a test key never sees or touches a live key, nor
 * the reverse; ApiKeysService holds every key to the grant rule (at most the caller's
 * scopes and lifetime), on every path.
 */
@ApiTags('workspace')
@ApiBearerAuth('apiKey')
@Controller('v1/api-keys')
export class OwnApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly context: RequestContext,
  ) {}

  @Post()
  @Scopes('keys:manage')
  @Audited('api_key.create')
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The key is in this response and nowhere else, ever.' })
  @ApiProblems(ApiKeyProblems.WILDCARD_KEY_REFUSED, ApiKeyProblems.EXPIRY_BEYOND_CALLER, AccessProblems.INSUFFICIENT_SCOPE)
  @ApiOperation({ operationId: 'apiKeys.create', summary: 'Create an API key in your workspace (shown once)' })
  create(@Body() body: CreateOwnApiKeyDto): Promise<CreatedApiKeyDto> {
    const caller = this.caller();
    return this.keys.create(caller.workspaceId, { ...body, environment: caller.environment });
  }

  @Get()
  @Scopes('keys:manage')
  @ApiOkResponse({ type: ApiKeyPageDto, description: "The key's environment, newest first; `nextCursor` reads the next page." })
  @ApiOperation({ operationId: 'apiKeys.list', summary: "List your workspace's API keys" })
  list(@Query() query: PageQuery): Promise<ApiKeyPageDto> {
    const caller = this.caller();
    return this.keys.list(caller.workspaceId, caller.environment, query);
  }

  @Post(':keyId/rotate')
  @Scopes('keys:manage')
  @Audited('api_key.rotate')
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiOperation({ operationId: 'apiKeys.rotate', summary: 'Rotate an API key (the new key shown once)' })
  rotate(@Param('keyId') keyId: string, @Body() body: RotateApiKeyDto): Promise<CreatedApiKeyDto> {
    const caller = this.caller();
    return this.keys.rotate(caller.workspaceId, keyId, body.gracePeriodSeconds, caller.environment);
  }

  @Delete(':keyId')
  @Scopes('keys:manage')
  @Audited('api_key.revoke')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Revoked; another workspace’s key is a 404.' })
  @ApiOperation({ operationId: 'apiKeys.revoke', summary: 'Revoke an API key' })
  async revoke(@Param('keyId') keyId: string): Promise<void> {
    const caller = this.caller();
    await this.keys.revoke(caller.workspaceId, keyId, caller.environment);
  }

  private caller(): KeyPrincipal {
    return callerOf(this.context, 'api_key');
  }
}
