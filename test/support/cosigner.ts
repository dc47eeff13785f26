import jwt from 'jsonwebtoken';
import type { LightMyRequestResponse } from 'fastify';
import { randomUUID } from 'node:crypto';
import { hasOutcome, SimulatedTransaction } from '../../apps/api/src/providers/simulator/simulated-cosigner';
import type { TestKey } from './api-key';
import { TEST_COSIGNER_RESPONSE_PUBLIC_KEY, TEST_SIMULATOR_PRIVATE_KEY, TestApp } from './test-app';
import { until } from './until';

/** A policy any transfer of ETH up to 100 passes, with a 24 h window capped at `maxSum`. */
export function ethPolicy(maxSum = '1000'): Record<string, unknown> {
  return {
    rules: [
      { name: 'blocked', action: 'REJECT', match: { destinations: ['0x00000000000000000000000000000000000000bd'] } },
      {
        name: 'eth',
        action: 'APPROVE',
        match: { assets: ['ETH'], operations: ['TRANSFER'] },
        caps: { perTransactionMax: '100', window: { seconds: 86400, maxSum } },
      },
    ],
  };
}

/** What a workspace's integration needs to run transfers under a policy. */
export const TRANSFER_SCOPES = ['policies:read', 'policies:write', 'transfers:read', 'transfers:write'];

/** A key of a new workspace with TRANSFER_SCOPES, and `document` active as its policy. */
export async function keyWithPolicy(
  t: Pick<TestApp, 'app'> & { newKey(options: { scopes: string[] }): Promise<TestKey> },
  document: Record<string, unknown>,
): Promise<TestKey> {
  const key = await t.newKey({ scopes: TRANSFER_SCOPES });
  await activatePolicy(t, key, document);
  return key;
}

/** Writes and activates `document` as the key's policy (the key needs policies:write). */
export async function activatePolicy(t: Pick<TestApp, 'app'>, key: TestKey, document: Record<string, unknown>): Promise<number> {
  const draft = await t.app.inject({ method: 'PUT', url: '/v1/policies/draft', headers: key.headers, payload: { document } });
  if (draft.statusCode !== 200) throw new Error(`draft refused: ${draft.body}`);
  const version = draft.json<{ version: number }>().version;
  const activated = await t.app.inject({ method: 'POST', url: `/v1/policies/versions/${version}/activate`, headers: key.headers });
  if (activated.statusCode !== 200) throw new Error(`activation refused: ${activated.body}`);
  return version;
}

export interface SubmittedTransfer {
  id: string;
  externalTxId: string;
  asset: string;
  amount: string;
  destination: { address?: string; id?: string; type?: string };
  source: { type: string; id: string };
}

/** A transfer through `POST /v1/transfers` (the key needs transfers:write). */
export async function submitTransfer(
  t: TestApp,
  key: TestKey,
  body: Partial<Omit<SubmittedTransfer, 'id' | 'externalTxId'>> = {},
  idempotencyKey: string = randomUUID(),
): Promise<SubmittedTransfer> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/transfers',
    headers: { ...key.headers, 'idempotency-key': idempotencyKey },
    payload: {
      asset: 'ETH',
      amount: '1.5',
      source: { type: 'VAULT', id: '0' },
      destination: { address: '0x00000000000000000000000000000000000000aa' },
      ...body,
    },
  });
  if (response.statusCode !== 201) throw new Error(`transfer refused: ${response.body}`);
  return response.json<SubmittedTransfer>();
}

/**
 * What the provider's co-signer would send about `transfer`, with `overrides` over it (no
 * `txId` unless given: the provider's id for it is the simulator's, learnt after submission).
 */
export function signRequestFor(transfer: SubmittedTransfer, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    requestId: randomUUID(),
    externalTxId: transfer.externalTxId,
    operation: 'TRANSFER',
    sourceType: transfer.source.type,
    sourceId: transfer.source.id,
    asset: transfer.asset,
    amountStr: transfer.amount,
    destType: transfer.destination.type ?? 'ONE_TIME_ADDRESS',
    ...(transfer.destination.address === undefined ? {} : { destAddress: transfer.destination.address }),
    ...(transfer.destination.id === undefined ? {} : { destId: transfer.destination.id }),
    ...overrides,
  };
}

/** A callback body signed as the simulator's co-signer signs it (RS256, its test key). */
export function signedBySimulator(payload: Record<string, unknown>, options: jwt.SignOptions = {}): string {
  return jwt.sign(payload, TEST_SIMULATOR_PRIVATE_KEY, { algorithm: 'RS256', noTimestamp: false, ...options });
}

export function postCallback(
  t: Pick<TestApp, 'app'>,
  body: string | Buffer,
  options: { provider?: string; kind?: 'tx_sign_request' | 'config_change_sign_request'; contentType?: string } = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: `/v1/cosigner/${options.provider ?? 'simulator'}/v2/${options.kind ?? 'tx_sign_request'}`,
    headers: { 'content-type': options.contentType ?? 'text/plain' },
    payload: body,
  });
}

/** The answer, verified with our response key as the provider verifies it. */
export function verifiedAnswer(token: string): { action: string; requestId: string; rejectionReason?: string } {
  return jwt.verify(token, TEST_COSIGNER_RESPONSE_PUBLIC_KEY, { algorithms: ['RS256'] }) as {
    action: string;
    requestId: string;
    rejectionReason?: string;
  };
}

/** A simulated provider's record of a transaction once its co-signer has an outcome (signed, rejected or failed): a bounded wait. */
export function untilSettled(
  provider: { transaction(externalTxId: string): SimulatedTransaction | undefined },
  externalTxId: string,
): Promise<SimulatedTransaction> {
  return until(
    `the simulated provider's outcome for ${externalTxId}`,
    () => provider.transaction(externalTxId),
    hasOutcome,
  ) as Promise<SimulatedTransaction>;
}

/** A transfer as its key reads it (`GET /v1/transfers/:id`). */
export async function transferView(
  app: Pick<TestApp, 'app'>,
  key: Pick<TestKey, 'headers'>,
  transfer: Pick<SubmittedTransfer, 'id'>,
): Promise<Record<string, unknown>> {
  return (await app.app.inject({ method: 'GET', url: `/v1/transfers/${transfer.id}`, headers: key.headers })).json<
    Record<string, unknown>
  >();
}

/** The warning the transfers service logs when a transfer's submission fails for a while (it stays submitted): a bounded wait. */
export function untilSubmissionFailed(
  app: Pick<TestApp, 'logs'>,
  transfer: Pick<SubmittedTransfer, 'id'>,
): Promise<Record<string, unknown>> {
  return until(
    `the failed submission of ${transfer.id}`,
    () => app.logs.find((line) => line.msg === 'transfer submission failed; it stays submitted' && line.transferId === transfer.id),
    (line) => line !== undefined,
  ) as Promise<Record<string, unknown>>;
}

/** What a key needs to write policies and submit and read transfers. */
export const COSIGNER_SCOPES = ['policies:read', 'policies:write', 'transfers:read', 'transfers:write'];

/** Posts `payload` signed as the simulator and answers the verified decision (the call must be a 200). */
export async function decideCallback(
  t: Pick<TestApp, 'app'>,
  payload: Record<string, unknown>,
): Promise<ReturnType<typeof verifiedAnswer>> {
  const response = await postCallback(t, signedBySimulator(payload));
  if (response.statusCode !== 200) throw new Error(`callback answered ${response.statusCode}: ${response.body}`);
  return verifiedAnswer(response.body);
}

/** The provider's id for the transfer, once its submission (after its commit) recorded it; a bounded wait. */
export async function providerTxIdOf(t: Pick<TestApp, 'app'>, key: TestKey, transfer: SubmittedTransfer): Promise<string> {
  for (let turn = 0; turn < 10_000; turn++) {
    const view = (await t.app.inject({ method: 'GET', url: `/v1/transfers/${transfer.id}`, headers: key.headers })).json<{
      providerTxId: string | null;
    }>();
    if (typeof view.providerTxId === 'string') return view.providerTxId;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`transfer ${transfer.id} was never given a provider transaction id`);
}
