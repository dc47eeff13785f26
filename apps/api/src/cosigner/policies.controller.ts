import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { callerOf, Scopes } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { RequestContext } from '@ringfence/tenancy';
import { BatchBody } from '../http/body-limits';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { CosignerProblems } from './cosigner.problems';
import {
  CurrentPolicyDto,
  ExplainPolicyDto,
  PolicyExplanationDto,
  PolicyVersionDetailDto,
  PolicyVersionDto,
  PolicyVersionParams,
  SavePolicyDraftDto,
} from './policies/dto/policy.dto';
import { PolicyExplanations } from './decisions/policy-explanations';
import { PolicyOwner, PolicyVersions } from './policies/policy-versions';

/**
 * The calling key's cosigner policy (docs/routes.md: `/v1/policies`): its workspace and
 * environment's versions, the draft written whole and validated, activation of the draft,
 * and an explanation of what a version would decide for a sample transfer.
 */
@ApiTags('policies')
@ApiBearerAuth('apiKey')
@Controller('v1/policies')
export class PoliciesController {
  constructor(
    private readonly policies: PolicyVersions,
    private readonly explanations: PolicyExplanations,
    private readonly context: RequestContext,
  ) {}

  @Get()
  @Scopes('policies:read')
  @ApiOkResponse({ type: CurrentPolicyDto })
  @ApiOperation({ operationId: 'policies.current', summary: 'The active cosigner policy and the draft' })
  current(): Promise<CurrentPolicyDto> {
    return this.policies.current(this.owner());
  }

  @Get('versions')
  @Scopes('policies:read')
  @ApiOkResponse({ type: [PolicyVersionDto], description: 'Every version, newest first (documents by version).' })
  @ApiOperation({ operationId: 'policies.versions.list', summary: 'List the policy versions' })
  list(): Promise<PolicyVersionDto[]> {
    return this.policies.list(this.owner());
  }

  @Get('versions/:version')
  @Scopes('policies:read')
  @ApiOkResponse({ type: PolicyVersionDetailDto })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'policies.versions.get', summary: 'Get a policy version' })
  get(@Param() params: PolicyVersionParams): Promise<PolicyVersionDetailDto> {
    return this.policies.get(this.owner(), params.version);
  }

  @Put('draft')
  @Scopes('policies:write')
  @BatchBody()
  @Audited('policy.draft')
  @ApiOkResponse({ type: PolicyVersionDetailDto, description: 'The draft, as the next version; the previous draft is kept as discarded.' })
  @ApiOperation({ operationId: 'policies.draft.save', summary: 'Save the policy draft' })
  saveDraft(@Body() body: SavePolicyDraftDto): Promise<PolicyVersionDetailDto> {
    return this.policies.saveDraft(this.owner(), body);
  }

  @Post('versions/:version/activate')
  @Scopes('policies:write')
  @Audited('policy.activate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: PolicyVersionDto, description: 'Active from the next decision on; the previous active version is retired.' })
  @ApiProblems(RequestProblems.NOT_FOUND, CosignerProblems.POLICY_VERSION_NOT_DRAFT)
  @ApiOperation({ operationId: 'policies.versions.activate', summary: 'Activate a policy version' })
  activate(@Param() params: PolicyVersionParams): Promise<PolicyVersionDto> {
    return this.policies.activate(this.owner(), params.version);
  }

  @Post('explain')
  @Scopes('policies:read')
  @Audited('policy.explain')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: PolicyExplanationDto, description: 'What the version would decide and why; no cap is spent.' })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'policies.explain', summary: 'Explain how a policy decides a sample transfer' })
  explain(@Body() body: ExplainPolicyDto): Promise<PolicyExplanationDto> {
    return this.explanations.explain(this.owner(), body.transfer, body.version);
  }

  private owner(): PolicyOwner {
    const { workspaceId, environment } = callerOf(this.context, 'api_key');
    return { workspaceId, environment };
  }
}
