import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export const CHECKPOINT_PAGE_MAX = 200;

export class AuditCheckpointsQueryDto {
  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,40}$/)
  cursor?: string;

  @ApiPropertyOptional({ default: 50, maximum: CHECKPOINT_PAGE_MAX })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(CHECKPOINT_PAGE_MAX)
  limit?: number;
}

export class AuditCheckpointDto {
  @ApiProperty({ description: 'The chain sequence number of the signed head.', example: 120345 }) seq!: number;
  @ApiProperty({ description: 'The chain hash at `seq`, hex SHA-256.', example: 'a3f1…' }) headHash!: string;
  @ApiProperty({ description: 'When the sealer signed it, RFC 3339.', example: '2026-11-29T23:00:05.123Z' }) at!: string;
  @ApiProperty({ description: 'The `audit-checkpoint.vN.pem` version that signed it (see public-keys).', example: 1 }) keyVersion!: number;
  @ApiProperty({
    description:
      'Ed25519 signature, base64url, over the UTF-8 JSON array `["ringfence.audit-checkpoint.v1", seq, headHash, at, keyVersion]` (docs/adr/0027-audit-checkpoints.md).',
  })
  signature!: string;
}

export class AuditCheckpointPageDto {
  @ApiProperty({ type: [AuditCheckpointDto], description: 'Newest first.' }) items!: AuditCheckpointDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next (older) page; null at the end.' })
  nextCursor!: string | null;
}

export class AuditCheckpointPublicKeyDto {
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ description: 'Ed25519 public key, SPKI PEM.' }) publicKey!: string;
  @ApiProperty({ description: 'Whether this version signs new checkpoints (the others only verify).' }) active!: boolean;
}
