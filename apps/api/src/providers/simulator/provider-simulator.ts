import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SIMULATOR_PROVIDER, simulatorPrivateKeyFile } from '../../cosigner/cosigner.options';
import { CosignerKeys } from '../../cosigner/protocol/cosigner-keys';
import { CustodyProvider, TransferSubmission } from '../custody-provider';
import { PROVIDERS_OPTIONS, ProvidersOptions } from '../providers.options';
import { CallbackTransport, SimulatedCosigner, SimulatedTransaction } from './simulated-cosigner';
import { SimulatedProvider } from './simulated-provider';

/**
 * The provider simulator (development and tests; refused in production by configuration),
 * in process: it plays a custody provider's API (a transfer is accepted with an id of its
 * own; the same external reference twice is the same transaction) and its co-signer, which
 * then asks our callback about the transaction through the application's whole HTTP
 * pipeline (Fastify's `inject`: routing, hooks, the gate, body parsing, no socket), signed
 * with the simulator's own key (`<dataDir>/simulator/cosigner-simulator.vN.pem`), and
 * verifies our answers with our response key's public half, as the provider's console holds
 * it (docs/adr/0019-cosigner-policy-engine.md, the simulator addendum). What it recorded is
 * `transactions()`; the app's shutdown stops it.
 */
@Injectable()
export class ProviderSimulator implements CustodyProvider, BeforeApplicationShutdown {
  readonly name = SIMULATOR_PROVIDER;
  private readonly logger = new Logger('ProviderSimulator');
  private readonly provider: SimulatedProvider;
  /** The in-process calls under way: the shutdown waits for them before the pool closes. */
  private readonly calls = new Set<Promise<unknown>>();
  private signingKey?: KeyObject;
  private responseKey?: KeyObject;

  constructor(@Inject(PROVIDERS_OPTIONS) options: ProvidersOptions, adapterHost: HttpAdapterHost, keys: CosignerKeys) {
    const keyFile = simulatorPrivateKeyFile(options.dataDir);
    const cosigner = options.simulator.cosigner
      ? new SimulatedCosigner({
          signingKey: () => (this.signingKey ??= this.readSigningKey(keyFile)),
          responseKey: () => (this.responseKey ??= createPublicKey(keys.responsePublicKey.pem)),
          transport: this.injecting(adapterHost),
          retryIntervalMs: options.simulator.retryIntervalMs,
          retryForMs: options.simulator.retryForMs,
          onOutcome: (transaction) =>
            this.logger.log(
              { txId: transaction.id, status: transaction.status, reason: transaction.rejectionReason ?? transaction.failureReason },
              'simulator transaction settled',
            ),
        })
      : undefined;
    this.provider = new SimulatedProvider(cosigner);
  }

  submitTransfer(submission: TransferSubmission): Promise<{ providerTxId: string }> {
    const { transaction } = this.provider.create(submission);
    return Promise.resolve({ providerTxId: transaction.id });
  }

  /**
   * A transaction created at the provider by someone other than Ringfence (its console, an
   * integration of its own): the co-signer asks our callback about it all the same.
   */
  createFromConsole(request: Parameters<SimulatedProvider['create']>[0]): SimulatedTransaction {
    return this.provider.create(request).transaction;
  }

  /** Every transaction the simulator holds, with what its co-signer was answered, oldest first. */
  transactions(): SimulatedTransaction[] {
    return this.provider.transactions();
  }

  /** A transaction by its external reference (ours, `<workspaceId>:<environment>:<Idempotency-Key>`). */
  transaction(externalTxId: string): SimulatedTransaction | undefined {
    return this.provider.find({ externalTxId });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.provider.stop();
    await Promise.allSettled([...this.calls]);
  }

  private injecting(adapterHost: HttpAdapterHost): CallbackTransport {
    return (route, token, signal) => {
      const fastify = adapterHost.httpAdapter.getInstance<FastifyInstance>();
      const call = fastify
        .inject({
          method: 'POST',
          url: `/v1/cosigner/${SIMULATOR_PROVIDER}/v2/${route}`,
          headers: { 'content-type': 'text/plain' },
          payload: token,
        })
        .then((response) => ({ status: response.statusCode, body: response.body }));
      const settled = call.catch(() => undefined);
      this.calls.add(settled);
      void settled.then(() => this.calls.delete(settled));
      // The answer counts only within the provider's budget; the call itself is awaited at shutdown.
      return new Promise((resolve, reject) => {
        const abort = () => reject(new Error('no answer within the budget'));
        if (signal.aborted) return abort();
        signal.addEventListener('abort', abort, { once: true });
        call.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
      });
    };
  }

  private readSigningKey(file: string): KeyObject {
    try {
      return createPrivateKey(readFileSync(file));
    } catch (error) {
      this.logger.warn(
        { file, failure: (error as NodeJS.ErrnoException).code ?? 'not a PEM private key' },
        'the simulator has no co-signer key',
      );
      throw error;
    }
  }
}
