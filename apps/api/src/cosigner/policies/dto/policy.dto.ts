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
import { POLICY_LIMITS, type PolicyDocument } from '../../policy/policy-document';
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

/*
 * The policy document's shape, for the OpenAPI document and its clients (the console's rule
 * form): documentation only. A draft is validated whole by validatePolicy (policy-document.ts),
 * which answers every error with its path; these classes validate nothing.
 */
const POLICY_TEXT = { minLength: 1, maxLength: POLICY_LIMITS.text } as const;
const POLICY_LIST = { minItems: 1, maxItems: POLICY_LIMITS.listEntries } as const;
const POLICY_AMOUNT = { pattern: DECIMAL_TEXT.source, maxLength: 80 } as const;
const TIME_OF_DAY = { pattern: '^([01][0-9]|2[0-3]):([0-5][0-9])$', example: '09:00' } as const;

export class PolicyAmountRangeDto {
  @ApiPropertyOptional({ ...POLICY_AMOUNT, example: '0', description: 'Inclusive.' }) min?: string;
  @ApiPropertyOptional({ ...POLICY_AMOUNT, example: '1000', description: 'Inclusive.' }) max?: string;
}

export class PolicySourceDto {
  @ApiProperty({ ...POLICY_TEXT, example: 'VAULT' }) type!: string;
  @ApiPropertyOptional({ ...POLICY_TEXT, example: '0', description: 'Absent: every source of this type.' }) id?: string;
}

export class PolicyTimeOfDayDto {
  @ApiProperty({ ...TIME_OF_DAY, description: 'UTC, included.' }) from!: string;
  @ApiProperty({ ...TIME_OF_DAY, example: '17:00', description: 'UTC, excluded; before `from`: the span wraps past midnight.' })
  to!: string;
}

export class PolicyRuleMatchDto {
  @ApiPropertyOptional({ type: [String], ...POLICY_LIST, example: ['TRANSFER'], description: 'The operations it matches.' })
  operations?: string[];
  @ApiPropertyOptional({ type: [String], ...POLICY_LIST, example: ['ETH', 'USDC'], description: "The provider's asset ids it matches." })
  assets?: string[];
  @ApiPropertyOptional({ type: PolicyAmountRangeDto }) amount?: PolicyAmountRangeDto;
  @ApiPropertyOptional({ type: [PolicySourceDto], ...POLICY_LIST }) sources?: PolicySourceDto[];
  @ApiPropertyOptional({
    type: [String],
    ...POLICY_LIST,
    example: ['ONE_TIME_ADDRESS'],
    description: 'Every destination must be of one of these types (a REJECT rule: any destination).',
  })
  destinationTypes?: string[];
  @ApiPropertyOptional({
    type: [String],
    ...POLICY_LIST,
    description:
      'Every destination must be one of these addresses or whitelisted ids (a REJECT rule: any); EVM addresses case-insensitively.',
  })
  destinations?: string[];
  @ApiPropertyOptional({ type: PolicyTimeOfDayDto }) timeOfDay?: PolicyTimeOfDayDto;
}

export class PolicyCapWindowDto {
  @ApiProperty({
    minimum: POLICY_LIMITS.minWindowSeconds,
    maximum: POLICY_LIMITS.maxWindowSeconds,
    example: 86400,
    description: 'The rolling window, per asset.',
  })
  seconds!: number;
  @ApiPropertyOptional({ ...POLICY_AMOUNT, example: '10000', description: 'The most approved in the window (with maxCount, or alone).' })
  maxSum?: string;
  @ApiPropertyOptional({ minimum: 1, example: 20, description: 'The most approvals in the window.' }) maxCount?: number;
}

export class PolicyRuleCapsDto {
  @ApiPropertyOptional({ ...POLICY_AMOUNT, example: '100', description: 'The largest amount one request may move.' })
  perTransactionMax?: string;
  @ApiPropertyOptional({ type: PolicyCapWindowDto }) window?: PolicyCapWindowDto;
}

export class PolicyRuleDto {
  @ApiProperty({ ...POLICY_TEXT, example: 'small-eth', description: 'Unique in the document.' }) name!: string;
  @ApiProperty({ enum: ['APPROVE', 'REJECT'] }) action!: 'APPROVE' | 'REJECT';
  @ApiProperty({ type: PolicyRuleMatchDto, description: 'Every condition given must hold; none given: every request matches.' })
  match!: PolicyRuleMatchDto;
  @ApiPropertyOptional({ type: PolicyRuleCapsDto, description: 'APPROVE rules only: over a cap, the request is rejected.' })
  caps?: PolicyRuleCapsDto;
}

export class PolicyDocumentDto {
  @ApiProperty({
    type: [PolicyRuleDto],
    maxItems: POLICY_LIMITS.rules,
    description: 'Matched in order: the first rule that matches decides; no match rejects. A rule an earlier one shadows is refused.',
  })
  rules!: PolicyRuleDto[];
}

export class SavePolicyDraftDto {
  @ApiProperty({
    type: PolicyDocumentDto,
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
  @ApiProperty({ type: PolicyDocumentDto, description: 'The validated document.' })
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
