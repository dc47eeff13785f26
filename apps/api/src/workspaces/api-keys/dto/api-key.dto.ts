import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { SCOPES, Scope } from '@ringfence/access';
import type { KeyEnvironment } from '@ringfence/tenancy';
import { Type } from 'class-transformer';
import { ArrayNotEmpty, ArrayUnique, IsArray, IsDate, IsIn, IsInt, IsOptional, IsString, Length, Max, Min, MinDate } from 'class-validator';

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
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The id of the key that replaced this one (a rotation); this one works until its `expiresAt`, the grace period.',
  })
  replacedBy!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The whole key. Shown once: only its peppered hash is stored.' })
  key!: string;
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

/** A page of ApiKeys. Newest first. */
export class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyDto] }) items!: ApiKeyDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}
