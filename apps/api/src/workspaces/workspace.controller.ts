import { Controller, Get, NotFoundException } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Scopes, unauthenticated } from '@ringfence/auth';
import { RequestContext, UnitOfWork } from '@ringfence/tenancy';
import { ApiKeysService } from './api-keys.service';
import { WhoAmIDto } from './dto/workspace.dto';
import { workspaceView, WorkspacesService } from './workspaces.service';

/** The workspace side: who is calling (API.md: `GET /v1/workspace`, any valid key). */
@ApiTags('workspace')
@ApiBearerAuth('apiKey')
@Controller('v1/workspace')
export class WorkspaceController {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly context: RequestContext,
    private readonly workspaces: WorkspacesService,
    private readonly keys: ApiKeysService,
  ) {}

  @Get()
  @Scopes()
  @ApiOkResponse({ type: WhoAmIDto })
  whoAmI(): Promise<WhoAmIDto> {
    const principal = this.context.principal;
    if (principal.kind !== 'api_key') throw unauthenticated();
    return this.unitOfWork.read(async () => {
      const workspace = await this.workspaces.find(principal.workspaceId);
      const key = await this.keys.findOwn(principal.keyId);
      if (!workspace || !key) throw new NotFoundException();
      return { workspace: workspaceView(workspace), key };
    });
  }
}
