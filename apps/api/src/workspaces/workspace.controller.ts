import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { callerOf, Scopes } from '@ringfence/access';
import { RequestContext } from '@ringfence/tenancy';
import { WhoAmIDto } from './dto/workspace.dto';

/**
 * The workspace side: who is calling (docs/routes.md: `GET /v1/workspace`, any valid key):
 * workspace, key id, scopes, environment — all of it from the authenticated key, so the
 * answer costs no database round trip when the key is served from the verified-key cache.
 */
@ApiTags('workspace')
@ApiBearerAuth('apiKey')
@Controller('v1/workspace')
export class WorkspaceController {
  constructor(private readonly context: RequestContext) {}

  @Get()
  @Scopes()
  @ApiOkResponse({ type: WhoAmIDto })
  @ApiOperation({ operationId: 'workspace.get', summary: "The calling key's workspace, key id, scopes and environment" })
  whoAmI(): WhoAmIDto {
    const principal = callerOf(this.context, 'api_key');
    return {
      workspaceId: principal.workspaceId,
      keyId: principal.keyId,
      scopes: [...principal.scopes],
      environment: principal.environment,
    };
  }
}
