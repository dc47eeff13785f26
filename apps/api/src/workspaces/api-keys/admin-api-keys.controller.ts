import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessProblems, AdminRoles, StepUp } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { ApiKeyProblems } from './api-keys.problems';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto, RotateApiKeyDto } from './dto/api-key.dto';
import { PageQuery } from '../../paging/page-query';

/**
 * A workspace's API keys, admin side (docs/routes.md: `/v1/admin/workspaces/:id/api-keys`, role admin).
 * Minting and rotating hand out a long-lived credential that can do what step-up guards
 * (activate a policy with `policies:write`, reveal with `vault:reveal`): both are step-up
 * routes. Revoking only takes access away and is not (docs/adr/0005-api-keys.md).
 */
@ApiTags('workspaces (admin)')
@ApiBearerAuth('admin')
@Controller('v1/admin/workspaces')
export class AdminApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post(':id/api-keys')
  @AdminRoles('owner', 'admin')
  @StepUp()
  @Audited('api_key.create')
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The key is in this response and nowhere else, ever.' })
  @ApiProblems(
    ApiKeyProblems.WILDCARD_KEY_REFUSED,
    AccessProblems.INSUFFICIENT_ROLE,
    AccessProblems.STEP_UP_REQUIRED,
    RequestProblems.NOT_FOUND,
  )
  @ApiOperation({ operationId: 'workspaces.apiKeys.create', summary: "Create a workspace's API key (shown once; step-up)" })
  createKey(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.create(id, body);
  }

  @Get(':id/api-keys')
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({ type: ApiKeyPageDto, description: 'Both environments, newest first; `nextCursor` reads the next page.' })
  @ApiOperation({ operationId: 'workspaces.apiKeys.list', summary: "List a workspace's API keys" })
  listKeys(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: PageQuery): Promise<ApiKeyPageDto> {
    return this.keys.list(id, undefined, query);
  }

  @Post(':id/api-keys/:keyId/rotate')
  @AdminRoles('owner', 'admin')
  @StepUp()
  @Audited('api_key.rotate')
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The new key, shown once; the old one works for the grace period.' })
  @ApiProblems(
    ApiKeyProblems.WILDCARD_KEY_REFUSED,
    AccessProblems.INSUFFICIENT_ROLE,
    AccessProblems.STEP_UP_REQUIRED,
    RequestProblems.NOT_FOUND,
  )
  @ApiOperation({ operationId: 'workspaces.apiKeys.rotate', summary: "Rotate a workspace's API key (the new key shown once; step-up)" })
  rotateKey(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('keyId') keyId: string,
    @Body() body: RotateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    return this.keys.rotate(id, keyId, body.gracePeriodSeconds);
  }

  @Delete(':id/api-keys/:keyId')
  @AdminRoles('owner', 'admin')
  @Audited('api_key.revoke')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Revoked: refused from the next request on.' })
  @ApiOperation({ operationId: 'workspaces.apiKeys.revoke', summary: "Revoke a workspace's API key" })
  async revokeKey(@Param('id', new ParseUUIDPipe()) id: string, @Param('keyId') keyId: string): Promise<void> {
    await this.keys.revoke(id, keyId);
  }
}
