import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessProblems, AdminRoles, StepUp } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { BatchBody } from '../http/body-limits';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { CosignerProblems } from './cosigner.problems';
import {
  CurrentPolicyDto,
  EnvironmentQuery,
  ExplainPolicyDto,
  PolicyExplanationDto,
  PolicyVersionDetailDto,
  PolicyVersionDto,
  AdminPolicyVersionParams,
  SavePolicyDraftDto,
} from './policies/dto/policy.dto';
import { PolicyExplanations } from './decisions/policy-explanations';
import { PolicyVersions } from './policies/policy-versions';

/**
 * A workspace's cosigner policy, admin side (docs/routes.md:
 * `/v1/admin/workspaces/:id/policies?environment=live|test`, roles owner and admin). The
 * same versions the workspace's keys see; activation needs a fresh second factor.
 */
@ApiTags('policies (admin)')
@ApiBearerAuth('admin')
@Controller('v1/admin/workspaces/:id/policies')
export class AdminPoliciesController {
  constructor(
    private readonly policies: PolicyVersions,
    private readonly explanations: PolicyExplanations,
  ) {}

  @Get()
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({ type: CurrentPolicyDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.policies.current', summary: "A workspace's active cosigner policy and draft" })
  async current(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: EnvironmentQuery): Promise<CurrentPolicyDto> {
    const owner = await this.policies.workspace(id, query.environment);
    return this.policies.current(owner);
  }

  @Get('versions')
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({ type: [PolicyVersionDto] })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.policies.versions.list', summary: "List a workspace's policy versions" })
  async list(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: EnvironmentQuery): Promise<PolicyVersionDto[]> {
    return this.policies.list(await this.policies.workspace(id, query.environment));
  }

  @Get('versions/:version')
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({ type: PolicyVersionDetailDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.policies.versions.get', summary: "Get a workspace's policy version" })
  async get(@Param() params: AdminPolicyVersionParams, @Query() query: EnvironmentQuery): Promise<PolicyVersionDetailDto> {
    return this.policies.get(await this.policies.workspace(params.id, query.environment), params.version);
  }

  @Put('draft')
  @AdminRoles('owner', 'admin')
  @BatchBody()
  @Audited('policy.draft')
  @ApiOkResponse({ type: PolicyVersionDetailDto })
  @ApiProblems(RequestProblems.NOT_FOUND, AccessProblems.INSUFFICIENT_ROLE)
  @ApiOperation({ operationId: 'workspaces.policies.draft.save', summary: "Save a workspace's policy draft" })
  async saveDraft(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: EnvironmentQuery,
    @Body() body: SavePolicyDraftDto,
  ): Promise<PolicyVersionDetailDto> {
    return this.policies.saveDraft(await this.policies.workspace(id, query.environment), body);
  }

  @Post('versions/:version/activate')
  @AdminRoles('owner', 'admin')
  @StepUp()
  @Audited('policy.activate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: PolicyVersionDto })
  @ApiProblems(RequestProblems.NOT_FOUND, CosignerProblems.POLICY_VERSION_NOT_DRAFT, AccessProblems.STEP_UP_REQUIRED)
  @ApiOperation({ operationId: 'workspaces.policies.versions.activate', summary: "Activate a workspace's policy version (step-up)" })
  async activate(@Param() params: AdminPolicyVersionParams, @Query() query: EnvironmentQuery): Promise<PolicyVersionDto> {
    return this.policies.activate(await this.policies.workspace(params.id, query.environment), params.version);
  }

  @Post('explain')
  @AdminRoles('owner', 'admin')
  @Audited('policy.explain')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: PolicyExplanationDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'workspaces.policies.explain', summary: "Explain how a workspace's policy decides a sample transfer" })
  async explain(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: EnvironmentQuery,
    @Body() body: ExplainPolicyDto,
  ): Promise<PolicyExplanationDto> {
    return this.explanations.explain(await this.policies.workspace(id, query.environment), body.transfer, body.version);
  }
}
