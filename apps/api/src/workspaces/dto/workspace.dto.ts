import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { PLAN_NAME } from '@ringfence/limits';
import type { KeyEnvironment } from '@ringfence/tenancy';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, IsUrl, Length, Matches } from 'class-validator';
import { PageQuery } from '../../paging/page-query';

/** An origin exactly as a browser sends it in `Origin`: lower-case scheme and host, an optional port, nothing else. */
const ORIGIN = /^https?:\/\/[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$/;

export class CreateWorkspaceDto {
  @ApiProperty({ example: 'Acme Treasury' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 'standard', default: 'standard', description: 'One of the configured plans (RATE_LIMIT_PLANS).' })
  @IsOptional()
  @Matches(PLAN_NAME)
  plan?: string;

  @ApiPropertyOptional({ type: [String], example: ['https://treasury.acme.example'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['https', 'http'] }, { each: true })
  @Matches(ORIGIN, {
    each: true,
    message: 'allowedOrigins must be origins as browsers send them: scheme://host[:port], lower case, no path',
  })
  allowedOrigins?: string[];
}

/** Any field of a new workspace, each optional: the same rules, stated once. */
export class UpdateWorkspaceDto extends PartialType(CreateWorkspaceDto) {}

export class WorkspaceDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['active', 'suspended', 'deleted'] }) status!: string;
  @ApiProperty() plan!: string;
  @ApiProperty({ type: [String] }) allowedOrigins!: string[];
  @ApiProperty() createdAt!: string;
}

export class WhoAmIDto {
  @ApiProperty() workspaceId!: string;
  @ApiProperty({ description: 'The calling key’s public id.' }) keyId!: string;
  @ApiProperty({ type: [String], description: 'Empty: a legacy wildcard key.' }) scopes!: string[];
  @ApiProperty({ enum: ['live', 'test'] }) environment!: KeyEnvironment;
}

/** The workspaces list's filters, on top of its keyset paging: a cursor reads on under the same filters. */
export class WorkspaceListQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'acme', description: 'Only workspaces whose name contains this text, case-insensitively.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  search?: string;

  @ApiPropertyOptional({ enum: ['active', 'suspended'], description: 'Only workspaces in this state (deleted ones are never listed).' })
  @IsOptional()
  @IsIn(['active', 'suspended'])
  status?: 'active' | 'suspended';
}

/** A page of Workspaces. Newest first. */
export class WorkspacePageDto {
  @ApiProperty({ type: [WorkspaceDto] }) items!: WorkspaceDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}
