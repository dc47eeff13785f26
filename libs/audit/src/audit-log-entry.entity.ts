import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { KeyEnvironment } from '@ringfence/tenancy';

export const AUDIT_ACTOR_TYPES = ['admin', 'api_key', 'provider', 'system', 'anonymous'] as const;
export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** A row of the append-only `audit_log` (created in prisma-free/). */
@Entity({ name: 'audit_log' })
export class AuditLogEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', insert: false })
  occurredAt!: Date;

  @Column({ name: 'workspace_id', type: 'uuid', nullable: true })
  workspaceId!: string | null;

  @Column({ name: 'actor_type', type: 'text' })
  actorType!: AuditActorType;

  @Column({ name: 'actor_id', type: 'text', nullable: true })
  actorId!: string | null;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'target_type', type: 'text', nullable: true })
  targetType!: string | null;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  before!: object | null;

  @Column({ type: 'jsonb', nullable: true })
  after!: object | null;

  @Column({ type: 'text' })
  outcome!: AuditOutcome;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'client_ip', type: 'inet', nullable: true })
  clientIp!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  /** The server's id of the request; never client-chosen. */
  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  /** The well-formed `X-Request-Id` the client sent, for its own correlation. */
  @Column({ name: 'client_request_id', type: 'text', nullable: true })
  clientRequestId!: string | null;

  /** The acting key's environment (null: admins and the system, read as live). */
  @Column({ type: 'text', nullable: true })
  environment!: KeyEnvironment | null;
}
