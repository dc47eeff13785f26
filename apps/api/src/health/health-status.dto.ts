import { ApiProperty } from '@nestjs/swagger';
import { DatabaseProblems, type JobStatus } from '@ringfence/tenancy';

export class HealthStatusDto {
  @ApiProperty({ example: 'ok', enum: ['ok'] })
  status!: 'ok';
}

class JobErrorDto {
  @ApiProperty({ example: DatabaseProblems.DATABASE_UNAVAILABLE.code, description: 'A code or an error class, never a message.' })
  code!: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

/** One background job as this instance sees it. */
export class JobStatusDto implements JobStatus {
  @ApiProperty({ example: 'mail-worker' })
  name!: string;

  @ApiProperty({
    enum: ['cluster', 'instance'],
    description: 'cluster: run by worker and all instances only; instance: by every instance.',
  })
  scope!: 'cluster' | 'instance';

  @ApiProperty({ description: 'This instance runs it on its schedule (RINGFENCE_ROLE).' })
  runsHere!: boolean;

  @ApiProperty()
  running!: boolean;

  @ApiProperty({ description: 'Turns finished since this instance started.' })
  runs!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastStartedAt!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  lastDurationMs!: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastSucceededAt!: string | null;

  @ApiProperty({ description: 'Failed turns since the last one that succeeded.' })
  consecutiveFailures!: number;

  @ApiProperty({ type: JobErrorDto, nullable: true })
  lastError!: JobErrorDto | null;
}
