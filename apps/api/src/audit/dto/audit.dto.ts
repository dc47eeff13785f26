import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { AUDIT_ACTOR_TYPES, AUDIT_OUTCOMES, AUDIT_PAGE_MAX, type AuditActorType, type AuditOutcome } from '@ringfence/audit';
import type { KeyEnvironment } from '@ringfence/tenancy';
import { IsInstant } from '../../http/instant.validator';

/** The filters the events page and the export share. */
export class AuditFilterQueryDto {
  @ApiPropertyOptional({ description: 'Admins only: one workspace. A key always reads its own.' })
  @IsOptional()
  @IsUUID()
  workspaceId?: string;

  @ApiPropertyOptional({
    example: 'vault_secret.',
    description: 'Exact (`workspace.update`) or, ending with a dot, a prefix (`vault_secret.`); the actions: `GET /v1/audit/actions`.',
  })
  @IsOptional()
  @Length(1, 100)
  @Matches(/^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*\.?$/)
  action?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTOR_TYPES })
  @IsOptional()
  @IsIn(AUDIT_ACTOR_TYPES)
  actorType?: AuditActorType;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  actorId?: string;

  @ApiPropertyOptional({ example: 'workspace' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_]{0,39}$/)
  targetType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  targetId?: string;

  @ApiPropertyOptional({ enum: AUDIT_OUTCOMES })
  @IsOptional()
  @IsIn(AUDIT_OUTCOMES)
  outcome?: AuditOutcome;

  @ApiPropertyOptional({ description: 'From this instant on (inclusive), RFC 3339.', example: '2026-01-31T00:00:00Z' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'Before this instant (exclusive), RFC 3339.', example: '2026-02-01T00:00:00Z' })
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class AuditEventsQueryDto extends AuditFilterQueryDto {
  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,40}$/)
  cursor?: string;

  @ApiPropertyOptional({ default: 50, maximum: AUDIT_PAGE_MAX })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(AUDIT_PAGE_MAX)
  limit?: number;
}

export class AuditExportQueryDto extends AuditFilterQueryDto {
  @ApiPropertyOptional({ enum: ['ndjson', 'csv'], default: 'ndjson' })
  @IsOptional()
  @IsIn(['ndjson', 'csv'])
  format?: 'ndjson' | 'csv';
}

export class AuditActorDto {
  @ApiProperty({ enum: AUDIT_ACTOR_TYPES }) type!: string;
  @ApiProperty({ type: String, nullable: true }) id!: string | null;
}

export class AuditTargetDto {
  @ApiProperty() type!: string;
  @ApiProperty({ type: String, nullable: true }) id!: string | null;
}

export class AuditEventDto {
  @ApiProperty() id!: string;
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ type: String, nullable: true }) workspaceId!: string | null;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty() action!: string;
  @ApiProperty({ type: AuditTargetDto, nullable: true }) target!: AuditTargetDto | null;
  @ApiProperty({ type: Object, nullable: true, description: 'Secret-bearing fields are redacted when written.' }) before!: unknown;
  @ApiProperty({ type: Object, nullable: true }) after!: unknown;
  @ApiProperty({ enum: AUDIT_OUTCOMES }) outcome!: string;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true }) clientIp!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The server’s own id of the request that wrote the row (never client-chosen).',
  })
  requestId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The well-formed `X-Request-Id` the client sent, if any.' })
  clientRequestId!: string | null;
  @ApiProperty({ enum: ['live', 'test'], nullable: true, description: 'The acting key’s environment; null for admins and the system.' })
  environment!: KeyEnvironment | null;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto], description: 'Newest first.' }) events!: AuditEventDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next (older) page; null at the end.' }) nextCursor!:
    string | null;
}

export class ChainBreakDto {
  @ApiProperty({ type: Number, nullable: true }) seq!: number | null;
  @ApiProperty({ type: String, nullable: true }) auditId!: string | null;
  @ApiProperty({ example: 'row changed' }) problem!: string;
}

export class ChainReportDto {
  @ApiProperty() intact!: boolean;
  @ApiProperty({ description: 'Links walked.' }) checked!: number;
  @ApiProperty() verifiedThroughSeq!: number;
  @ApiProperty({ type: ChainBreakDto, nullable: true }) firstBreak!: ChainBreakDto | null;
  @ApiProperty({
    description:
      'Rows written but not yet sealed into the chain (the sealer links rows once settled, within seconds): this report does not cover them.',
  })
  unsealed!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'When the oldest unsealed row was written; a growing age means the sealer is not running.',
  })
  oldestUnsealedAt!: string | null;
}

export class AuditActionDto {
  @ApiProperty({ example: 'vault_secret.reveal' }) action!: string;
  @ApiProperty() description!: string;
}
