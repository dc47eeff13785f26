import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PageQuery } from '../../../paging/page-query';
import { DECIMAL_TEXT } from '../../policies/dto/policy.dto';
import { TRANSFER_STATUSES } from '../transfer-status';

/** Provider-side names: asset ids, vault and wallet ids, types. */
const PROVIDER_TEXT = /^[\x21-\x7e]+$/;
const PROVIDER_TEXT_MESSAGE = 'must be printable ASCII without spaces';

export class TransferSourceDto {
  @ApiProperty({ example: 'VAULT', description: "The provider's source type." })
  @IsString()
  @Length(1, 64)
  @Matches(PROVIDER_TEXT, { message: `type ${PROVIDER_TEXT_MESSAGE}` })
  type!: string;

  @ApiProperty({ example: '0', description: "The source's id at the provider (a vault account, say)." })
  @IsString()
  @Length(1, 200)
  @Matches(PROVIDER_TEXT, { message: `id ${PROVIDER_TEXT_MESSAGE}` })
  id!: string;
}

/** Where the funds go: a whitelisted id (with its type), or an address (a one-time address). */
export class TransferDestinationDto {
  @ApiPropertyOptional({
    example: 'ONE_TIME_ADDRESS',
    description: 'ONE_TIME_ADDRESS when an address is given; the whitelisted wallet type with an id.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(PROVIDER_TEXT, { message: `type ${PROVIDER_TEXT_MESSAGE}` })
  type?: string;

  @ApiPropertyOptional({ description: 'A whitelisted id at the provider. Exactly one of id and address.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @Matches(PROVIDER_TEXT, { message: `id ${PROVIDER_TEXT_MESSAGE}` })
  id?: string;

  @ApiPropertyOptional({ example: '0x5dC69B1Fbb13Bafd09af88a782F0F285772Ad5f8', description: 'An address. Exactly one of id and address.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @Matches(PROVIDER_TEXT, { message: `address ${PROVIDER_TEXT_MESSAGE}` })
  address?: string;
}

export class CreateTransferDto {
  @ApiProperty({ example: 'USDC', description: "The provider's asset id." })
  @IsString()
  @Length(1, 64)
  @Matches(PROVIDER_TEXT, { message: `asset ${PROVIDER_TEXT_MESSAGE}` })
  asset!: string;

  @ApiProperty({ example: '250.5', description: 'A plain decimal string, exact (no sign, exponent or leading zeros; up to 36 decimals).' })
  @IsString()
  @MaxLength(80)
  @Matches(DECIMAL_TEXT, { message: 'amount must be a plain decimal string (digits, one optional point; no sign or exponent)' })
  amount!: string;

  @ApiProperty({ type: TransferSourceDto })
  @ValidateNested()
  @Type(() => TransferSourceDto)
  source!: TransferSourceDto;

  @ApiProperty({ type: TransferDestinationDto })
  @ValidateNested()
  @Type(() => TransferDestinationDto)
  destination!: TransferDestinationDto;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  note?: string;

  @ApiPropertyOptional({ example: 'simulator', description: 'The custody provider to submit to; the first configured one when absent.' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,31}$/, { message: 'provider must be a configured provider name' })
  provider?: string;
}

export class TransferParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class TransferListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: [...TRANSFER_STATUSES] })
  @IsOptional()
  @IsIn([...TRANSFER_STATUSES])
  status?: string;
}

/** An admin's list of a workspace's transfers: the environment is named, as on the admin policy and webhook routes. */
export class AdminTransferListQuery extends TransferListQuery {
  @ApiProperty({ enum: ['live', 'test'], description: "The workspace's environment whose transfers these are." })
  @IsIn(['live', 'test'])
  environment!: 'live' | 'test';
}

/** An admin's route about one transfer: the workspace in the path too. */
export class AdminTransferParams {
  @ApiProperty({ format: 'uuid', description: 'The workspace.' })
  @IsUUID()
  id!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  transferId!: string;
}

export class TransferDecisionDto {
  @ApiProperty({
    enum: ['APPROVE', 'REJECT'],
    description: "The cosigner's verdict (an approved transfer may still fail, complete or be cancelled at the provider).",
  })
  action!: 'APPROVE' | 'REJECT';
  @ApiProperty({ type: Number, nullable: true, description: 'The policy version that decided, if one did.' }) policyVersion!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'The deciding rule, if one decided.' }) rule!: string | null;
  @ApiProperty({ description: 'Why (`rule_approved`, `no_rule_matched`, `cap_window_sum`, `intent_mismatch:amount`, …).' }) reason!: string;
  @ApiProperty() decidedAt!: string;
}

export class TransferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The reference the provider knows it by: `<workspaceId>:<environment>:<Idempotency-Key>`.' })
  externalTxId!: string;
  @ApiProperty({ enum: [...TRANSFER_STATUSES] }) status!: string;
  @ApiProperty() provider!: string;
  @ApiProperty({ type: String, nullable: true, description: "The provider's transaction id, once it has one." }) providerTxId!:
    string | null;
  @ApiProperty() asset!: string;
  @ApiProperty() amount!: string;
  @ApiProperty({ type: TransferSourceDto }) source!: TransferSourceDto;
  @ApiProperty({ type: TransferDestinationDto }) destination!: TransferDestinationDto;
  @ApiProperty({ type: String, nullable: true }) note!: string | null;
  @ApiProperty({ type: TransferDecisionDto, nullable: true, description: 'The cosigner decision, once made.' })
  decision!: TransferDecisionDto | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class TransferPageDto {
  @ApiProperty({ type: [TransferDto] }) items!: TransferDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
