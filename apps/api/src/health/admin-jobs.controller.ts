import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminRoles } from '@ringfence/access';
import { JobRegistry } from '@ringfence/tenancy';
import { JobStatusDto } from './health-status.dto';

/**
 * The background jobs as the instance that answers sees them, for operators signed in.
 * Not on the public readiness probe: a job's turns follow what anonymous requests queued
 * (a reset request's mail is sent, or fails, only for an admin's address), so its counts,
 * durations and errors would tell anyone which emails are admins' (docs/adr/0012-background-jobs.md).
 */
@ApiTags('operations')
@ApiBearerAuth('admin')
@Controller('v1/admin/jobs')
export class AdminJobsController {
  constructor(private readonly jobs: JobRegistry) {}

  @Get()
  @AdminRoles('owner', 'admin')
  @ApiOkResponse({
    type: [JobStatusDto],
    description: 'This instance’s view: a failing job is shown here and logged, and does not make it unready.',
  })
  @ApiOperation({ operationId: 'jobs.list', summary: 'The background jobs as this instance sees them' })
  list(): JobStatusDto[] {
    return this.jobs.status();
  }
}
