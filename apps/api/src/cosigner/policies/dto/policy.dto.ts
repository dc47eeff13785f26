import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsUUID,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsInstant } from '../../../http/instant.validator';
import type { PolicyDocument } from '../../policy/policy-document';
import { MAX_DESTINATIONS } from '../../protocol/sign-request';

const INT_MAX = 2_147_483_647;
/** A plain decimal string, as policies and transfers write amounts (no sign, exponent or leading zeros). */
export const DECIMAL_TEXT = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

export class PolicyVersionParams {
  @ApiProperty({ minimum: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(INT_MAX)
  version!: number;
}

/** An admin's route about one version: the workspace in the path too. */
export class AdminPolicyVersionParams extends PolicyVersionParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class EnvironmentQuery {
  @ApiProperty({ enum: ['live', 'test'], description: "The workspace's environment whose policy this is." })
  @IsIn(['live', 'test'])
  environment!: 'live' | 'test';
}

export class SavePolicyDraftDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The policy: `{ rules: [{ name, action: APPROVE | REJECT, match: { operations, assets, amount: { min, max }, sources, destinationTypes, destinations, timeOfDay: { from, to } }, caps: { perTransactionMax, window: { seconds, maxSum, maxCount } } }] }`. ' +
      'Rules are matched in order, the first match decides, no match rejects. Amounts are decimal strings. Validated whole: every error names its path.',
  })
  @IsObject()
  document!: Record<string, unknown>;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  note?: string;
}

export class PolicyVersionDto {
  @ApiProperty() version!: number;
  @ApiProperty({ enum: ['draft', 'active', 'retired', 'discarded'] }) state!: string;
  @ApiProperty({ type: String, nullable: true }) note!: string | null;
  @ApiProperty({ description: 'SHA-256 (hex) of the document as stored: what the audit rows name.' }) sha256!: string;
  @ApiProperty({ description: 'How many rules the document has.' }) rules!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ example: 'api_key:7K3M9QXA' }) createdBy!: string;
  @ApiProperty({ type: String, nullable: true }) activatedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) activatedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) retiredAt!: string | null;
}

export class PolicyVersionDetailDto extends PolicyVersionDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The validated document.' })
  document!: PolicyDocument;
}

export class CurrentPolicyDto {
  @ApiProperty({ type: PolicyVersionDetailDto, nullable: true, description: 'What decides now; none: every request is rejected.' })
  active!: PolicyVersionDetailDto | null;
  @ApiProperty({ type: PolicyVersionDetailDto, nullable: true }) draft!: PolicyVersionDetailDto | null;
}

export class SampleSourceDto {
  @ApiProperty({ example: 'VAULT' }) @IsString() @Length(1, 200) type!: string;
  @ApiPropertyOptional({ example: '0' }) @IsOptional() @IsString() @Length(1, 200) id?: string;
}

export class SampleDestinationDto {
  @ApiPropertyOptional({ example: 'ONE_TIME_ADDRESS' }) @IsOptional() @IsString() @Length(1, 200) type?: string;
  @ApiPropertyOptional({ description: 'A whitelisted id.' }) @IsOptional() @IsString() @Length(1, 200) id?: string;
  @ApiPropertyOptional({ example: '0x5dC69B1Fbb13Bafd09af88a782F0F285772Ad5f8' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  address?: string;
}

/** A transfer as a signing request would present it, for the explain route. */
export class SampleTransferDto {
  @ApiPropertyOptional({ example: 'TRANSFER', description: 'TRANSFER when absent, as the provider does.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  operation?: string;

  @ApiPropertyOptional({ example: 'USDC' }) @IsOptional() @IsString() @Length(1, 200) asset?: string;

  @ApiPropertyOptional({ example: '250.5', pattern: DECIMAL_TEXT.source })
  @IsOptional()
  @IsString()
  @MaxLength(80)
  @Matches(DECIMAL_TEXT, { message: 'amount must be a plain decimal string (digits, one optional point; no sign or exponent)' })
  amount?: string;

  @ApiPropertyOptional({ type: SampleSourceDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SampleSourceDto)
  source?: SampleSourceDto;

  @ApiPropertyOptional({ type: [SampleDestinationDto], maxItems: MAX_DESTINATIONS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_DESTINATIONS)
  @ValidateNested({ each: true })
  @Type(() => SampleDestinationDto)
  destinations?: SampleDestinationDto[];

  @ApiPropertyOptional({ description: 'When it would be decided (time-of-day rules); now when absent.' })
  @IsOptional()
  @IsInstant()
  at?: string;
}

export class ExplainPolicyDto {
  @ApiProperty({ type: SampleTransferDto })
  @ValidateNested()
  @Type(() => SampleTransferDto)
  transfer!: SampleTransferDto;

  @ApiPropertyOptional({ minimum: 1, description: 'A version to explain (a draft before activating it); the active one when absent.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT_MAX)
  version?: number;
}

export class RuleTraceDto {
  @ApiProperty({ description: 'The rule, by position (0 first).' }) rule!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ description: '`matched`, or the first condition that failed (`asset`, `amount`, …), or `missing:<field>`.' })
  outcome!: string;
}

export class PolicyExplanationDto {
  @ApiProperty({ description: 'The version explained.' }) version!: number;
  @ApiProperty({ enum: ['APPROVE', 'REJECT'] }) action!: string;
  @ApiProperty({
    description:
      '`rule_approved`, `rule_rejected`, `no_rule_matched`, `missing_field:<f>`, `cap_per_transaction`, `cap_window_sum`, `cap_window_count`, …',
  })
  reason!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The deciding rule, if one decided.' }) rule!: string | null;
  @ApiProperty({ type: [RuleTraceDto], description: 'Rule by rule up to the deciding one. Nothing is reserved.' })
  trace!: RuleTraceDto[];
}
