import {
  newSimulatedRecord,
  SimulatedCosigner,
  SimulatedRecord,
  SimulatedTransaction,
  SimulatedTransferRequest,
  snapshotOf,
} from './simulated-cosigner';

/**
 * The simulated custody provider's ledger, behind both of its faces (the in-process
 * adapter and the HTTP API): transactions by id and by external reference. A second
 * request with an external reference already used is the same transaction and is not
 * created again (`created: false`), as the provider refuses it; a new one is handed to the
 * co-signer, when there is one, to be asked about once the caller has its answer.
 */
export class SimulatedProvider {
  private readonly byId = new Map<string, SimulatedRecord>();
  private readonly byExternalTxId = new Map<string, SimulatedRecord>();

  constructor(private readonly cosigner?: SimulatedCosigner) {}

  create(request: SimulatedTransferRequest): { transaction: SimulatedTransaction; created: boolean } {
    const known = this.byExternalTxId.get(request.externalTxId);
    if (known) return { transaction: snapshotOf(known), created: false };
    const record = newSimulatedRecord(request);
    this.byId.set(record.id, record);
    this.byExternalTxId.set(record.externalTxId, record);
    this.cosigner?.ask(record);
    return { transaction: snapshotOf(record), created: true };
  }

  /** A transaction by the provider's id or by its external reference. */
  find(key: { id: string } | { externalTxId: string }): SimulatedTransaction | undefined {
    const record = 'id' in key ? this.byId.get(key.id) : this.byExternalTxId.get(key.externalTxId);
    return record && snapshotOf(record);
  }

  /** Every transaction, oldest first. */
  transactions(): SimulatedTransaction[] {
    return [...this.byId.values()].map(snapshotOf);
  }

  /** Stops the co-signer: no call after this. */
  stop(): Promise<void> {
    return this.cosigner?.stop() ?? Promise.resolve();
  }
}
