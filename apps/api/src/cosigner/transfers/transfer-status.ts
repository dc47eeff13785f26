/**
 * A transfer's states (migrations 0011 and 0015): submitted, then pending at the provider,
 * decided by the cosigner (approved or rejected), then ended by the provider's word from its
 * webhooks (completed, failed, cancelled; a rejection at the provider of a transfer not yet
 * decided is `rejected`). Final: rejected, failed, completed, cancelled.
 */
export const TRANSFER_STATUSES = ['submitted', 'pending', 'approved', 'rejected', 'failed', 'completed', 'cancelled'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

/** The states a transfer never leaves (the schema's trigger holds them). */
export const FINAL_TRANSFER_STATUSES: ReadonlySet<TransferStatus> = new Set(['rejected', 'failed', 'completed', 'cancelled']);
