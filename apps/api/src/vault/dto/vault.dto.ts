import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { buildMessage, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateBy, ValidationOptions } from 'class-validator';

/** A secret's name: unique in its workspace and environment, safe in a path. */
export const VAULT_SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** A value is UTF-8 text of 1 byte to 32 KiB (binary material goes in base64). */
export const VAULT_VALUE_MAX_BYTES = 32 * 1024;

/** A lone UTF-16 surrogate cannot be stored as UTF-8 and read back unchanged. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Text of `min`..`max` UTF-8 bytes that survives the round trip to UTF-8 unchanged. */
function IsUtf8Text(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUtf8Text',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || LONE_SURROGATE.test(value)) return false;
          const bytes = Buffer.byteLength(value, 'utf8');
          return bytes >= min && bytes <= max;
        },
        defaultMessage: buildMessage((each) => `${each}$property must be text of $constraint1 to $constraint2 UTF-8 bytes`, options),
      },
    },
    options,
  );
}

const NAME_MESSAGE = 'name must be 1 to 128 letters, digits, dots, underscores or hyphens, starting with a letter or digit';

export class VaultSecretParams {
  @ApiProperty({ example: 'custody-provider.api-secret' })
  @Matches(VAULT_SECRET_NAME, { message: NAME_MESSAGE })
  name!: string;
}

export class CreateVaultSecretDto {
  @ApiProperty({ example: 'custody-provider.api-secret', pattern: VAULT_SECRET_NAME.source })
  @IsString()
  @Matches(VAULT_SECRET_NAME, { message: NAME_MESSAGE })
  name!: string;

  @ApiProperty({
    description: `The secret, UTF-8, at most ${VAULT_VALUE_MAX_BYTES} bytes. Never returned except by reveal.`,
    writeOnly: true,
  })
  @IsString()
  @IsUtf8Text(1, VAULT_VALUE_MAX_BYTES)
  value!: string;

  @ApiPropertyOptional({ example: 'Custody provider API secret (treasury)' })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  description?: string;
}

/** A new value, and optionally a new description. */
export class AddVaultSecretVersionDto extends PickType(CreateVaultSecretDto, ['value', 'description'] as const) {}

export class RevealVaultSecretDto {
  @ApiPropertyOptional({ description: 'A kept version; the current one when absent.', minimum: 1, maximum: 2_147_483_647 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  version?: number;
}

export class VaultSecretVersionDto {
  @ApiProperty() version!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ example: 'api_key:7K3M9QXA' }) createdBy!: string;
}

/** A secret's metadata: never its value. */
export class VaultSecretDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: ['live', 'test'] }) environment!: string;
  @ApiProperty() currentVersion!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class VaultSecretDetailDto extends VaultSecretDto {
  @ApiProperty({ type: [VaultSecretVersionDto], description: 'The kept versions, newest first.' }) versions!: VaultSecretVersionDto[];
}

export class RevealedVaultSecretDto {
  @ApiProperty() name!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'The plaintext. Audited (who, which secret, which version); never logged.' }) value!: string;
}

/** A page of VaultSecrets. By name. */
export class VaultSecretPageDto {
  @ApiProperty({ type: [VaultSecretDto] }) items!: VaultSecretDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}
