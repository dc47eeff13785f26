import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SIMULATOR_PROVIDER, simulatorPrivateKeyFile, simulatorWebhookKeyFile } from '../../cosigner/cosigner.options';
import { CosignerKeys } from '../../cosigner/protocol/cosigner-keys';
import { CustodyProvider, TransferSubmission } from '../custody-provider';
import { FIREBLOCKS_SIGNATURE_HEADER, fireblocksStatusEvent, signFireblocksWebhook } from '../fireblocks/fireblocks-webhook';
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
  private webhookKey?: KeyObject;
  private readonly webhookKeyFile: string;

  constructor(
    @Inject(PROVIDERS_OPTIONS) options: ProvidersOptions,
    private readonly adapterHost: HttpAdapterHost,
    keys: CosignerKeys,
  ) {
    const keyFile = simulatorPrivateKeyFile(options.dataDir);
    this.webhookKeyFile = simulatorWebhookKeyFile(options.dataDir);
    const webhooks = options.simulator.webhooks;
    const cosigner = options.simulator.cosigner
      ? new SimulatedCosigner({
          signingKey: () => (this.signingKey ??= this.readSigningKey(keyFile)),
          responseKey: () => (this.responseKey ??= createPublicKey(keys.responsePublicKey.pem)),
          transport: this.injecting(adapterHost),
          retryIntervalMs: options.simulator.retryIntervalMs,
          retryForMs: options.simulator.retryForMs,
          onOutcome: (transaction) => {
            this.logger.log(
              { txId: transaction.id, status: transaction.status, reason: transaction.rejectionReason ?? transaction.failureReason },
              'simulator transaction settled',
            );
            // As the provider does: the settled status is announced to the workspace's webhook.
            if (webhooks) void this.announce(transaction);
          },
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

  /**
   * Announces a status of a transaction to `POST /v1/inbound/simulator/webhooks` as Fireblocks
   * does: a `TRANSACTION_STATUS_UPDATED` body, its `Fireblocks-Signature` the base64 RSA-SHA512
   * of those bytes with the simulator's webhook key (`<dataDir>/simulator/webhook-simulator.v1.pem`,
   * whose public half is `webhook-simulator.pub.v1.pem`), through the whole pipeline. The
   * transaction is the ledger's by its external reference (its id, asset and amount), or only
   * what is given. Answers what the route answered.
   */
  async emitStatusWebhook(event: {
    externalTxId: string;
    status: string;
    subStatus?: string;
    txId?: string;
  }): Promise<{ status: number; body: string }> {
    const known = this.provider.find({ externalTxId: event.externalTxId });
    const now = Date.now();
    const body = JSON.stringify(
      fireblocksStatusEvent(
        SIMULATOR_PROVIDER,
        {
          id: event.txId ?? known?.id ?? `sim-unknown`,
          externalTxId: event.externalTxId,
          status: event.status,
          ...(event.subStatus === undefined ? {} : { subStatus: event.subStatus }),
          ...(known ? { assetId: known.asset, amount: known.amount, createdAt: Date.parse(known.createdAt) } : {}),
          lastUpdated: now,
        },
        now,
      ),
    );
    const signature = signFireblocksWebhook(body, (this.webhookKey ??= createPrivateKey(readFileSync(this.webhookKeyFile))));
    const call = this.adapterHost.httpAdapter
      .getInstance<FastifyInstance>()
      .inject({
        method: 'POST',
        url: `/v1/inbound/${SIMULATOR_PROVIDER}/webhooks`,
        headers: { 'content-type': 'application/json', [FIREBLOCKS_SIGNATURE_HEADER]: signature },
        payload: body,
      })
      .then((response) => ({ status: response.statusCode, body: response.body }));
    const settled = call.catch(() => undefined);
    this.calls.add(settled);
    void settled.then(() => this.calls.delete(settled));
    return call;
  }

  /** A settled transaction's status, announced; a failure to announce is logged (the provider would retry; the simulator does not). */
  private async announce(transaction: SimulatedTransaction): Promise<void> {
    const subStatus = transaction.rejectionReason ?? transaction.failureReason;
    try {
      const answer = await this.emitStatusWebhook({
        externalTxId: transaction.externalTxId,
        txId: transaction.id,
        status: transaction.status,
        ...(subStatus === undefined ? {} : { subStatus }),
      });
      if (answer.status !== 200) this.logger.warn({ txId: transaction.id, httpStatus: answer.status }, 'simulator webhook refused');
    } catch (error) {
      this.logger.warn({ txId: transaction.id, failure: (error as NodeJS.ErrnoException).code ?? 'error' }, 'simulator webhook not sent');
    }
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
