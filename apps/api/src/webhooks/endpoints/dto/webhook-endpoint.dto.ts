import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { MAX_ENDPOINT_URL_LENGTH } from '../../ssrf/endpoint-guard';

const EVENT_TYPE_OR_ALL = /^(\*|[a-z_]+(\.[a-z_]+)+)$/;
const EVENT_TYPES_DESCRIPTION = 'Catalogue types (`GET /v1/webhooks/event-types`), or `["*"]` for every type (the default).';

export class WebhookEndpointParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class AdminWebhookEndpointParams extends WebhookEndpointParams {
  @ApiProperty({ format: 'uuid', description: 'The endpoint.' })
  @IsUUID()
  endpointId!: string;
}

export class CreateWebhookEndpointDto {
  @ApiProperty({
    example: 'https://hooks.example.com/ringfence',
    maxLength: MAX_ENDPOINT_URL_LENGTH,
    description:
      'https (http only where configured, never in production), ports 443 and 80 unless configured; its host must resolve to public addresses only.',
  })
  @IsString()
  @MaxLength(MAX_ENDPOINT_URL_LENGTH)
  url!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  description?: string | null;

  @ApiPropertyOptional({ type: [String], description: EVENT_TYPES_DESCRIPTION, example: ['transfer.approved', 'transfer.rejected'] })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @Matches(EVENT_TYPE_OR_ALL, { each: true, message: 'each event type is a catalogue type (resource.verb) or "*"' })
  eventTypes?: string[];
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ maxLength: MAX_ENDPOINT_URL_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_ENDPOINT_URL_LENGTH)
  url?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500, description: 'null clears it.' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(0, 500)
  description?: string | null;

  @ApiPropertyOptional({ type: [String], description: EVENT_TYPES_DESCRIPTION })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @Matches(EVENT_TYPE_OR_ALL, { each: true, message: 'each event type is a catalogue type (resource.verb) or "*"' })
  eventTypes?: string[];

  @ApiPropertyOptional({
    description: 'false pauses deliveries (what arrives meanwhile is failed and can be recovered); true resumes them.',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 168,
    description: 'How long the current secret keeps signing beside the new one (default WEBHOOK_SECRET_GRACE_HOURS, 24); 0 stops it now.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(168)
  graceHours?: number;
}

export class WebhookEnvironmentQuery {
  @ApiProperty({ enum: ['live', 'test'], description: "The workspace's environment whose endpoints these are." })
  @IsIn(['live', 'test'])
  environment!: 'live' | 'test';
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['live', 'test'] }) environment!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: [String] }) eventTypes!: string[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: String, nullable: true, enum: ['manual', 'gone', 'failing'] }) disabledReason!: string | null;
  @ApiProperty({ type: String, nullable: true }) disabledAt!: string | null;
  @ApiProperty({ description: 'Bumped by each rotation.' }) secretVersion!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Until when the secret before the last rotation still signs.' })
  previousSecretExpiresAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The first failure since the last success.' }) failingSince!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastSuccessAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({
    description: 'The signing secret (`whsec_…`): shown this once, never again.',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  secret!: string;
}

export class RotatedWebhookSecretDto extends CreatedWebhookEndpointDto {}

export class WebhookTestDto {
  @ApiProperty({ format: 'uuid', description: 'The delivery of the test event (see `/v1/webhooks/deliveries/:id`).' }) deliveryId!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
}

export class EventTypeDto {
  @ApiProperty({ example: 'transfer.approved' }) type!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ description: 'The name of the schema of its `data` in this document.' }) schema!: string;
}
