import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CustodyProvider, TransferSubmission } from '../custody-provider';

/**
 * The provider simulator (development and tests): plays a custody provider's API. It
 * accepts a transfer and answers with its own transaction id; a second submission with the
 * same external reference is the same transaction, as at a real provider.
 */
@Injectable()
export class ProviderSimulator implements CustodyProvider {
  readonly name = 'simulator';
  private readonly transactions = new Map<string, { providerTxId: string; submission: TransferSubmission }>();

  submitTransfer(submission: TransferSubmission): Promise<{ providerTxId: string }> {
    const known = this.transactions.get(submission.externalTxId);
    if (known) return Promise.resolve({ providerTxId: known.providerTxId });
    const providerTxId = `sim-${randomUUID()}`;
    this.transactions.set(submission.externalTxId, { providerTxId, submission });
    return Promise.resolve({ providerTxId });
  }
}
