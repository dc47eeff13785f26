import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * Every event a workspace's endpoints can subscribe to (`GET /v1/webhooks/event-types`),
 * with the class that documents its `data` in the OpenAPI document. A delivery's body is
 * `{"type": …, "timestamp": …, "data": …}` (the Standard Webhooks envelope); `data` is the
 * payload its module appended with `DomainEvents.record` in the transaction of the change.
 */

export class TransferDecidedData {
  @ApiProperty({ format: 'uuid' }) transferId!: string;
  @ApiProperty({ enum: ['approved', 'rejected'] }) status!: string;
  @ApiProperty({ description: 'The policy’s reason, in its words.' }) reason!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The policy version that decided; null under the default deny with no policy.',
  })
  policyVersion!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'The rule that decided; null for the default deny.' }) rule!: string | null;
}

export class TransferStatusChangedData {
  @ApiProperty({ format: 'uuid' }) transferId!: string;
  @ApiProperty({ description: 'The new status (`failed`, `completed`, `cancelled`, `rejected`, …).' }) status!: string;
  @ApiPropertyOptional({ description: 'Why, as a code (`provider_refused:…`) or the provider’s sub-status.' }) reason?: string;
}

export class ApiKeyRevokedData {
  @ApiProperty({ description: 'The key’s public id (characters 9–16 of the key).' }) keyId!: string;
  @ApiProperty({ description: 'The key’s public prefix (`rf_live_ABCD1234`), never the key.' }) prefix!: string;
  @ApiProperty({ description: 'Who revoked it: an admin, a key, or the system.' }) revokedBy!: string;
}

export class ApiKeyRotatedData {
  @ApiProperty({ description: 'The public id of the key replaced.' }) keyId!: string;
  @ApiProperty({ description: 'The public id of the key that replaces it.' }) newKeyId!: string;
  @ApiProperty({ description: 'The new key’s public prefix, never the key.' }) newPrefix!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'When the replaced key stops working.' })
  oldKeyExpiresAt!: string | null;
}

export class WorkspaceSuspendedData {
  @ApiProperty({ format: 'uuid' }) workspaceId!: string;
  @ApiProperty({ description: 'Who suspended it (an admin’s label).' }) suspendedBy!: string;
}

export class PolicyActivatedData {
  @ApiProperty({ enum: ['live', 'test'] }) environment!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'SHA-256 of the activated document (hex).' }) sha256!: string;
  @ApiProperty({ type: Number, nullable: true }) previousVersion!: number | null;
}

export class VaultSecretRevealedData {
  @ApiProperty() name!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'Who revealed it (the key’s label), never the value.' }) revealedBy!: string;
}

export class WebhookEndpointDisabledData {
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ enum: ['gone', 'failing'], description: '`gone`: it answered 410; `failing`: no success for the configured days.' })
  reason!: string;
}

export class WebhookTestData {
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ description: 'Always “This is a test event from Ringfence.”' }) message!: string;
}

export interface EventTypeEntry {
  readonly type: string;
  readonly description: string;
  readonly data: new () => object;
}

export const EVENT_CATALOGUE: readonly EventTypeEntry[] = [
  { type: 'transfer.approved', description: 'The co-signer approved a transfer under the workspace’s policy.', data: TransferDecidedData },
  { type: 'transfer.rejected', description: 'The co-signer rejected a transfer under the workspace’s policy.', data: TransferDecidedData },
  {
    type: 'transfer.status_changed',
    description: 'A transfer moved after its decision (failed, completed, cancelled or rejected by the provider).',
    data: TransferStatusChangedData,
  },
  { type: 'api_key.revoked', description: 'An API key of the workspace was revoked; it works nowhere any more.', data: ApiKeyRevokedData },
  { type: 'api_key.rotated', description: 'An API key was rotated: a new key replaces it after a grace period.', data: ApiKeyRotatedData },
  {
    type: 'workspace.suspended',
    description: 'The workspace was suspended: its keys are refused until it is reactivated.',
    data: WorkspaceSuspendedData,
  },
  { type: 'policy.activated', description: 'A policy version became the active one.', data: PolicyActivatedData },
  { type: 'vault.secret.revealed', description: 'A vault secret’s value was revealed to a key.', data: VaultSecretRevealedData },
  {
    type: 'webhook.endpoint.disabled',
    description: 'An endpoint of the workspace was disabled by the delivery worker.',
    data: WebhookEndpointDisabledData,
  },
  { type: 'webhook.test', description: 'Sent by `POST /v1/webhooks/endpoints/:id/test` to that endpoint only.', data: WebhookTestData },
];

export const EVENT_TYPES: ReadonlySet<string> = new Set(EVENT_CATALOGUE.map((entry) => entry.type));

/** What an endpoint may subscribe to: catalogue types, or `*` alone for all of them. */
export const ALL_EVENTS = '*';
