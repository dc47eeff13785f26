import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { PLAN_NAME, SCOPES, Scope } from '@ringfence/auth';
import type { KeyEnvironment } from '@ringfence/tenancy';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsDate,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  Min,
  MinDate,
} from 'class-validator';

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
  @Matches(ORIGIN, { each: true, message: 'allowedOrigins must be origins as browsers send them: scheme://host[:port], lower case, no path' })
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

export class CreateApiKeyDto {
  @ApiProperty({ example: 'settlement worker' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, description: 'At least one; an unknown scope is a 400.' })
  @IsArray()
  @ArrayNotEmpty({ message: 'scopes must not be empty: wildcard keys cannot be created' })
  @ArrayUnique()
  @IsIn(SCOPES, { each: true })
  scopes!: Scope[];

  @ApiProperty({ enum: ['live', 'test'] })
  @IsIn(['live', 'test'])
  environment!: KeyEnvironment;

  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(() => new Date(), { message: 'expiresAt must be in the future' })
  expiresAt?: Date;
}

export class ApiKeyDto {
  @ApiProperty({ description: 'The public key id (characters 9–16 of the key).' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) scopes!: string[];
  @ApiProperty({ enum: ['live', 'test'] }) environment!: KeyEnvironment;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The whole key. Shown once: only its peppered hash is stored.' })
  key!: string;
}

export class WhoAmIDto {
  @ApiProperty() workspaceId!: string;
  @ApiProperty({ description: 'The calling key’s public id.' }) keyId!: string;
  @ApiProperty({ type: [String], description: 'Empty: a legacy wildcard key.' }) scopes!: string[];
  @ApiProperty({ enum: ['live', 'test'] }) environment!: KeyEnvironment;
}

/** Self-serve: the environment is the calling key's own. */
export class CreateOwnApiKeyDto extends OmitType(CreateApiKeyDto, ['environment'] as const) {}

export class RotateApiKeyDto {
  @ApiProperty({ example: 86400, description: 'How long the old key keeps working, 0 to 7 days, in seconds.' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  gracePeriodSeconds!: number;
}
