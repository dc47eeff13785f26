import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../../../paging/page-query';

export class WebhookDeliveryParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class WebhookDeliveryListQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  endpointId?: string;

  @ApiPropertyOptional({ enum: ['pending', 'done', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'done', 'failed'])
  status?: 'pending' | 'done' | 'failed';

  @ApiPropertyOptional({ example: 'transfer.approved' })
  @IsOptional()
  @Matches(/^[a-z_]+(\.[a-z_]+)+$/, { message: 'eventType is a catalogue type (resource.verb)' })
  @MaxLength(64)
  eventType?: string;
}

export class RecoverWebhookDeliveriesDto {
  @ApiProperty({
    format: 'date-time',
    description: 'Every failed delivery of this endpoint created since this time is sent again (at most 30 days back).',
  })
  @IsISO8601({ strict: true })
  since!: string;
}

export class WebhookAttemptDto {
  @ApiProperty() attempt!: number;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ description: 'From the start of the attempt to its end.' }) latencyMs!: number;
  @ApiProperty({ type: Number, nullable: true }) statusCode!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The failure’s class: `timeout`, `connect`, `redirect`, `http_<status>`, `refused:<rule>` (the SSRF guard).',
  })
  errorClass!: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'What the endpoint answered, at most 64 KiB (on a single delivery only).',
  })
  responseBody?: string | null;
  @ApiProperty({ description: 'The answer was longer than 64 KiB and was cut.' }) truncated!: boolean;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ description: 'The `webhook-id` header: the same on every attempt, endpoint and replay of the message.' })
  messageId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ enum: ['pending', 'done', 'failed'] }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: 'When the next attempt is due (pending only).' }) nextAttemptAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The last failure’s class or code.' }) lastError!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The delivery this one sends again.' }) replayOf!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: String, nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: [WebhookAttemptDto] }) attemptLog!: WebhookAttemptDto[];
}

export class WebhookDeliveryDetailDto extends WebhookDeliveryDto {
  @ApiProperty({ description: 'The body sent (the Standard Webhooks envelope: type, timestamp, data).' }) body!: string;
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto] }) items!: WebhookDeliveryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class RecoveredWebhookDeliveriesDto {
  @ApiProperty({ description: 'Deliveries queued again.' }) queued!: number;
}

export class AdminWebhookDeliveryParams {
  @ApiProperty({ format: 'uuid', description: 'The workspace.' })
  @IsUUID()
  id!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  deliveryId!: string;
}

export class AdminWebhookDeliveryListQuery extends WebhookDeliveryListQuery {
  @ApiProperty({ enum: ['live', 'test'], description: "The workspace's environment whose deliveries these are." })
  @IsIn(['live', 'test'])
  environment!: 'live' | 'test';
}
