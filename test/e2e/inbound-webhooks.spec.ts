import { createPrivateKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { ProviderSimulator } from '../../apps/api/src/providers/simulator/provider-simulator';
import { signFireblocksWebhook } from '../../apps/api/src/providers/fireblocks/fireblocks-webhook';
import { newWebhookSecret, signWebhook } from '../../apps/api/src/webhooks/signing/standard-webhooks';
import { expectAuditRow, expectAuditRows, expectProblem } from '../support/assertions';
import {
  ethPolicy,
  keyWithPolicy,
  postCallback,
  signedBySimulator,
  signRequestFor,
  submitTransfer,
  SubmittedTransfer,
  verifiedAnswer,
} from '../support/cosigner';
import { TEST_SIMULATOR_PRIVATE_KEY } from '../support/test-app';
import { until } from '../support/until';
import { TestAppHandle, useTestApp } from '../support/use-test-app';

const SIMULATOR_WEBHOOK_KEY = createPrivateKey(TEST_SIMULATOR_PRIVATE_KEY);

/** A Fireblocks-shaped status event about `transfer` (v1: `{ type, tenantId, timestamp, data }`), as bytes. */
function statusEvent(transfer: Pick<SubmittedTransfer, 'externalTxId'>, status: string, more: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: 'TRANSACTION_STATUS_UPDATED',
      tenantId: 'simulator',
      timestamp: Date.now(),
      data: { externalTxId: transfer.externalTxId, status, nonce: randomUUID(), ...more },
    }),
  );
}

function postInbound(
  t: Pick<TestAppHandle, 'app'>,
  body: Buffer | string,
  headers: Record<string, string>,
  provider = 'simulator',
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: `/v1/inbound/${provider}/webhooks`,
    headers: { 'content-type': 'application/json', ...headers },
    payload: body,
  });
}

/** Posted with its Fireblocks-Signature (the simulator's webhook key, unless another is given). */
function postFireblocks(t: Pick<TestAppHandle, 'app'>, body: Buffer, key = SIMULATOR_WEBHOOK_KEY): Promise<LightMyRequestResponse> {
  return postInbound(t, body, { 'fireblocks-signature': signFireblocksWebhook(body, key) });
}

/** An approved transfer: the simulator's co-signer callback decided it under ethPolicy (a 24 h window, so a reservation). */
async function approvedTransfer(
  t: TestAppHandle,
): Promise<{ transfer: SubmittedTransfer; key: Awaited<ReturnType<typeof keyWithPolicy>> }> {
  const key = await keyWithPolicy(t, ethPolicy());
  const transfer = await pendingTransfer(t, key);
  const answer = await postCallback(t, signedBySimulator(signRequestFor(transfer)));
  expect(verifiedAnswer(answer.body).action).toBe('APPROVE');
  return { transfer, key };
}

async function stateOf(t: TestAppHandle, transferId: string) {
  const transfer = (await t.superuser.query(`SELECT status, reason, version FROM transfers WHERE id = $1`, [transferId])).rows[0];
  const reservations = (
    await t.superuser.query(`SELECT released_at IS NOT NULL AS released FROM cosigner_cap_reservations WHERE transfer_id = $1`, [
      transferId,
    ])
  ).rows.map((row: { released: boolean }) => row.released);
  const events = (
    await t.superuser.query(
      `SELECT type, payload FROM domain_events WHERE subject_id = $1 AND type = 'transfer.status_changed' ORDER BY seq`,
      [transferId],
    )
  ).rows;
  const audits = (
    await t.superuser.query(
      `SELECT reason, before, after FROM audit_log WHERE action = 'provider_event.receive' AND target_id = $1 ORDER BY id`,
      [transferId],
    )
  ).rows;
  return { transfer, reservations, events, audits };
}

/** How many event ids are remembered (the specs of a file share one database: compare with a count taken before). */
async function seenEvents(t: TestAppHandle): Promise<number> {
  return (await t.superuser.query(`SELECT count(*)::int AS n FROM inbound_provider_events`)).rows[0].n as number;
}

/** The last audit row's id: what a spec writes comes after it. */
async function lastAuditId(t: TestAppHandle): Promise<string> {
  return (await t.superuser.query(`SELECT coalesce(max(id), 0)::text AS id FROM audit_log`)).rows[0].id as string;
}

/** The reasons of the refusals recorded since `after`. */
async function refusalsSince(t: TestAppHandle, after: string): Promise<{ reason: string; target_type: string; target_id: string }[]> {
  return (
    await t.superuser.query(
      `SELECT reason, target_type, target_id FROM audit_log
        WHERE id > $1 AND action = 'inbound.webhook' AND outcome = 'denied' AND actor_type = 'anonymous' ORDER BY id`,
      [after],
    )
  ).rows;
}

/** A transfer submitted and accepted by the simulator (pending, with its provider id): nothing else moves it behind the spec's back. */
async function pendingTransfer(t: TestAppHandle, key: Parameters<typeof submitTransfer>[1]): Promise<SubmittedTransfer> {
  const transfer = await submitTransfer(t, key);
  await until(
    'the transfer pending',
    async () => (await stateOf(t, transfer.id)).transfer.status,
    (status) => status === 'pending',
  );
  return transfer;
}

describe('inbound provider events (POST /v1/inbound/:provider/webhooks), Fireblocks-signed', () => {
  const t = useTestApp();

  describe('the signature, checked on the raw bytes before anything parses them', () => {
    it('refuses a re-serialised body, a wrong key, a cut signature, a missing or malformed header: 401, a security event each, nothing processed [V4.1.5 API10:2023]', async () => {
      const { transfer } = await approvedTransfer(t);
      const [seen, audited] = [await seenEvents(t), await lastAuditId(t)];
      const body = statusEvent(transfer, 'COMPLETED');
      const good = signFireblocksWebhook(body, SIMULATOR_WEBHOOK_KEY);
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      // The same JSON, written again: another byte sequence, so another signature.
      const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
      const attempts: [string, Buffer, Record<string, string>, string][] = [
        ['re-serialised JSON', reserialised, { 'fireblocks-signature': good }, 'signature_signature_mismatch'],
        ['a wrong key', body, { 'fireblocks-signature': signFireblocksWebhook(body, stranger) }, 'signature_signature_mismatch'],
        ['a truncated signature', body, { 'fireblocks-signature': good.slice(0, -8) }, 'signature_signature_mismatch'],
        ['no signature header', body, {}, 'signature_missing_signature'],
        ['a malformed signature', body, { 'fireblocks-signature': `${good}!` }, 'signature_malformed_signature'],
        ['two signatures', body, { 'fireblocks-signature': `${good}, ${good}` }, 'signature_malformed_signature'],
      ];
      for (const [name, sent, headers] of attempts) {
        const response = await postInbound(t, sent, headers);
        expect({ name, status: response.statusCode, code: response.json().code }).toEqual({ name, status: 401, code: 'UNAUTHENTICATED' });
      }
      expect(await refusalsSince(t, audited)).toEqual(
        attempts.map(([, , , reason]) => ({ reason, target_type: 'provider', target_id: 'simulator' })),
      );
      // A provider whose events are not configured: the same 401.
      expectProblem(await postInbound(t, body, { 'fireblocks-signature': good }, 'acme'), 401, 'UNAUTHENTICATED');
      await expectAuditRow(t.superuser, {
        action: 'inbound.webhook',
        reason: 'signature_unknown_provider',
        target: { type: 'provider', id: 'acme' },
      });
      // Nothing processed: the transfer is as it was, nothing remembered, announced or audited.
      const state = await stateOf(t, transfer.id);
      expect(state.transfer.status).toBe('approved');
      expect(state).toMatchObject({ reservations: [false], events: [], audits: [] });
      expect(await seenEvents(t)).toBe(seen);
      // The genuine bytes, after all that, are processed.
      expect((await postInbound(t, body, { 'fireblocks-signature': good })).json()).toEqual({ received: true });
      expect((await stateOf(t, transfer.id)).transfer.status).toBe('completed');
    });

    it('answers an oversized body 413 before reading it whole: no signature checked, nothing parsed or recorded [API10:2023]', async () => {
      const { transfer } = await approvedTransfer(t);
      const [seen, audited] = [await seenEvents(t), await lastAuditId(t)];
      const padded = Buffer.from(
        JSON.stringify({ ...JSON.parse(statusEvent(transfer, 'FAILED').toString()), pad: 'x'.repeat(300 * 1024) }),
      );
      expectProblem(await postFireblocks(t, padded), 413, 'PAYLOAD_TOO_LARGE');
      expect(await refusalsSince(t, audited)).toEqual([]);
      expect(await seenEvents(t)).toBe(seen);
      expect((await stateOf(t, transfer.id)).transfer.status).toBe('approved');
    });
  });

  describe('a transaction status moves the transfer, in one transaction', () => {
    it.each([
      ['FAILED', 'failed', 'provider_failed:INSUFFICIENT_FUNDS', true],
      ['CANCELLED', 'cancelled', 'provider_cancelled:CANCELLED_BY_USER', true],
      ['REJECTED', 'failed', 'provider_rejected:REJECTED_BY_USER', true],
      ['COMPLETED', 'completed', 'rule_approved', false],
    ])(
      '%s: the transfer is %s, its reservation released when it moves no funds, the audit row and transfer.status_changed written',
      async (providerStatus, status, reason, released) => {
        const { transfer } = await approvedTransfer(t);
        const subStatus = { FAILED: 'INSUFFICIENT_FUNDS', CANCELLED: 'CANCELLED_BY_USER', REJECTED: 'REJECTED_BY_USER' }[providerStatus];
        const before = (await stateOf(t, transfer.id)).transfer;
        const response = await postFireblocks(t, statusEvent(transfer, providerStatus, subStatus ? { subStatus } : {}));
        expect({ status: response.statusCode, body: response.json() }).toEqual({ status: 200, body: { received: true } });
        const state = await stateOf(t, transfer.id);
        expect(state.transfer).toMatchObject({ status, version: before.version + 1 });
        if (status !== 'completed') expect(state.transfer.reason).toBe(reason);
        expect(state.reservations).toEqual([released]);
        expect(state.events).toEqual([
          {
            type: 'transfer.status_changed',
            payload: expect.objectContaining({ transferId: transfer.id, status, previousStatus: 'approved', providerStatus }),
          },
        ]);
        await expectAuditRow(t.superuser, {
          action: 'provider_event.receive',
          outcome: 'success',
          reason: 'applied',
          actor: { type: 'provider', id: 'simulator' },
          target: { type: 'transfer', id: transfer.id },
          before: { status: 'approved' },
          after: { status },
        });
        // Final: a later status moves nothing (remembered, audited as unchanged).
        await postFireblocks(t, statusEvent(transfer, status === 'completed' ? 'FAILED' : 'COMPLETED'));
        const after = await stateOf(t, transfer.id);
        expect(after.transfer).toEqual(state.transfer);
        expect(after.events).toHaveLength(1);
        expect(after.audits.map((row: { reason: string }) => row.reason)).toEqual(['applied', 'unchanged']);
      },
    );

    it('a rejection at the provider of a transfer not yet decided rejects it; a completion of one we never approved moves nothing', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const rejected = await pendingTransfer(t, key);
      await postFireblocks(t, statusEvent(rejected, 'REJECTED', { subStatus: 'BLOCKED_BY_POLICY' }));
      expect((await stateOf(t, rejected.id)).transfer).toMatchObject({ status: 'rejected', reason: 'provider_rejected:BLOCKED_BY_POLICY' });
      const undecided = await pendingTransfer(t, key);
      await postFireblocks(t, statusEvent(undecided, 'COMPLETED'));
      const state = await stateOf(t, undecided.id);
      expect(state.transfer.status).not.toBe('completed');
      expect(state.events).toEqual([]);
      // A co-signer request about the rejected transfer is refused from now on.
      const answer = await postCallback(t, signedBySimulator(signRequestFor(rejected)));
      expect(verifiedAnswer(answer.body)).toMatchObject({ action: 'REJECT', rejectionReason: 'transfer_rejected' });
    });

    it('a replay (the same bytes delivered twice, or concurrently) is answered 200 and processed once', async () => {
      const { transfer } = await approvedTransfer(t);
      const seen = await seenEvents(t);
      const body = statusEvent(transfer, 'FAILED');
      const answers = await Promise.all([postFireblocks(t, body), postFireblocks(t, body), postFireblocks(t, body)]);
      expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
      expect(new Set(answers.map((answer) => answer.body)).size).toBe(1);
      expect((await postFireblocks(t, body)).statusCode).toBe(200);
      const state = await stateOf(t, transfer.id);
      expect(state.transfer).toMatchObject({ status: 'failed' });
      expect(state.events).toHaveLength(1);
      expect(state.audits).toHaveLength(1);
      expect(await seenEvents(t)).toBe(seen + 1);
    });

    it('an event about no transfer of ours, or of another type, is answered the same 200, remembered, and changes nothing', async () => {
      const since = (await t.superuser.query(`SELECT clock_timestamp() AS at`)).rows[0].at as Date;
      const announced = (await t.superuser.query(`SELECT count(*)::int AS n FROM domain_events WHERE type = 'transfer.status_changed'`))
        .rows;
      const unknown = await postFireblocks(t, statusEvent({ externalTxId: `${randomUUID()}:live:nope` }, 'COMPLETED'));
      const noReference = await postFireblocks(
        t,
        statusEvent({ externalTxId: undefined as unknown as string }, 'COMPLETED', { id: 'console-tx' }),
      );
      const other = Buffer.from(JSON.stringify({ type: 'VAULT_ACCOUNT_ADDED', data: { id: '1' } }));
      const ignored = await postFireblocks(t, other);
      const notJson = await postFireblocks(t, Buffer.from('not json'));
      for (const answer of [unknown, noReference, ignored, notJson]) expect(answer.json()).toEqual({ received: true });
      const { rows } = await t.superuser.query(`SELECT outcome FROM inbound_provider_events WHERE received_at >= $1`, [since]);
      expect(rows.map((row) => row.outcome).sort()).toEqual(['ignored', 'ignored', 'unknown_transaction', 'unknown_transaction']);
      expect((await t.superuser.query(`SELECT count(*)::int AS n FROM domain_events WHERE type = 'transfer.status_changed'`)).rows).toEqual(
        announced,
      );
    });

    it('a forced rollback leaves nothing: no status, no release, no audit row, no domain event, no remembered id; redelivered, it applies [V2.3.3]', async () => {
      const { transfer } = await approvedTransfer(t);
      const seen = await seenEvents(t);
      // The domain event's insert fails for this transfer: the whole transaction must roll back.
      await t.superuser.query(`
        CREATE FUNCTION rf_test_refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.subject_id = '${transfer.id}' THEN RAISE EXCEPTION 'forced rollback'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER rf_test_refuse_event BEFORE INSERT ON domain_events FOR EACH ROW EXECUTE FUNCTION rf_test_refuse_event();`);
      const body = statusEvent(transfer, 'CANCELLED');
      try {
        const refused = await postFireblocks(t, body);
        expect(refused.statusCode).toBeGreaterThanOrEqual(500);
        const state = await stateOf(t, transfer.id);
        expect(state).toMatchObject({ transfer: { status: 'approved' }, reservations: [false], events: [], audits: [] });
        expect(await seenEvents(t)).toBe(seen);
      } finally {
        await t.superuser.query(`DROP TRIGGER rf_test_refuse_event ON domain_events; DROP FUNCTION rf_test_refuse_event();`);
      }
      expect((await postFireblocks(t, body)).statusCode).toBe(200);
      expect(await stateOf(t, transfer.id)).toMatchObject({
        transfer: { status: 'cancelled' },
        reservations: [true],
        events: [{}],
        audits: [{}],
      });
    });
  });

  it('the simulator signs its status webhooks the same way (emitStatusWebhook)', async () => {
    const { transfer } = await approvedTransfer(t);
    const simulator = t.app.get(ProviderSimulator);
    const answer = await simulator.emitStatusWebhook({ externalTxId: transfer.externalTxId, status: 'COMPLETED' });
    expect(answer).toEqual({ status: 200, body: JSON.stringify({ received: true }) });
    expect((await stateOf(t, transfer.id)).transfer.status).toBe('completed');
  });
});

describe('inbound provider events: the simulator lifecycle announces what it settles', () => {
  const t = useTestApp({ env: { SIMULATOR_COSIGNER_ENABLED: 'true', SIMULATOR_WEBHOOKS_ENABLED: 'true' } });

  it('an approved transfer ends completed, announced by the simulator once it signed', async () => {
    const key = await keyWithPolicy(t, ethPolicy());
    const transfer = await submitTransfer(t, key);
    await until(
      'the transfer completed',
      async () => (await stateOf(t, transfer.id)).transfer.status,
      (status) => status === 'completed',
    );
    expect((await stateOf(t, transfer.id)).events).toHaveLength(1);
  });
});

describe('inbound provider events: Standard Webhooks', () => {
  const oldSecret = newWebhookSecret();
  const newSecret = newWebhookSecret();
  const acmeSecret = newWebhookSecret();
  const acmePublic = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const t = useTestApp({
    env: { COSIGNER_PROVIDERS: 'simulator,acme', INBOUND_WEBHOOK_PROVIDERS: 'simulator:standard,acme:standard' },
    secretFiles: {
      'webhook-simulator.secret.v1.key': `${oldSecret}\n`,
      'webhook-simulator.secret.v2.key': `${newSecret}\n`,
      'webhook-acme.secret.v1.key': acmeSecret,
      'cosigner-acme.pub.v1.pem': acmePublic,
    },
  });
  const nowSeconds = (): number => Math.floor(Date.now() / 1000);

  function postStandard(
    body: Buffer,
    secrets: string[],
    options: { id?: string; timestamp?: number; provider?: string } = {},
  ): Promise<LightMyRequestResponse> {
    const headers = signWebhook({ id: options.id ?? `msg_${randomUUID()}`, timestamp: options.timestamp ?? nowSeconds(), body }, secrets);
    return postInbound(t, body, { ...headers }, options.provider);
  }

  it('verifies the signature and the timestamp (5 minutes either way), any valid signature of the list passing', async () => {
    const key = await keyWithPolicy(t, ethPolicy());
    const transfer = await pendingTransfer(t, key);
    const audited = await lastAuditId(t);
    const body = statusEvent(transfer, 'CANCELLED');
    const stranger = newWebhookSecret();
    const refusals: [string, Promise<LightMyRequestResponse>, string][] = [
      ['an old timestamp', postStandard(body, [newSecret], { timestamp: nowSeconds() - 360 }), 'signature_timestamp_too_old'],
      ['a future timestamp', postStandard(body, [newSecret], { timestamp: nowSeconds() + 360 }), 'signature_timestamp_too_new'],
      ['a secret we do not hold', postStandard(body, [stranger]), 'signature_signature_mismatch'],
      ['another provider’s secret', postStandard(body, [acmeSecret]), 'signature_signature_mismatch'],
      ['no headers', postInbound(t, body, {}), 'signature_missing_header'],
    ];
    for (const [name, sent] of refusals) {
      const response = await sent;
      expect({ name, status: response.statusCode }).toEqual({ name, status: 401 });
    }
    expect((await refusalsSince(t, audited)).map((row) => row.reason).sort()).toEqual(refusals.map(([, , reason]) => reason).sort());
    // Re-serialised JSON under a signature of the original bytes.
    const headers = signWebhook({ id: 'msg_reserialised', timestamp: nowSeconds(), body }, [newSecret]);
    expect((await postInbound(t, JSON.stringify(JSON.parse(body.toString())), { ...headers })).statusCode).toBe(200);
    // (JSON.stringify of a parse of compact JSON is the same bytes: the spaces make it another body.)
    const spaced = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 2));
    expect(
      (await postInbound(t, spaced, { ...signWebhook({ id: 'msg_spaced', timestamp: nowSeconds(), body }, [newSecret]) })).statusCode,
    ).toBe(401);
    expect((await stateOf(t, transfer.id)).transfer.status).toBe('cancelled');
  });

  it('passes a rotation: two signatures in the header, one of a secret we do not hold; either of our two secrets alone', async () => {
    const key = await keyWithPolicy(t, ethPolicy());
    const [a, b, c] = [await pendingTransfer(t, key), await pendingTransfer(t, key), await pendingTransfer(t, key)];
    expect((await postStandard(statusEvent(a, 'CANCELLED'), [newWebhookSecret(), newSecret])).statusCode).toBe(200);
    expect((await postStandard(statusEvent(b, 'CANCELLED'), [oldSecret])).statusCode).toBe(200);
    expect((await postStandard(statusEvent(c, 'CANCELLED'), [newSecret, oldSecret])).statusCode).toBe(200);
    for (const transfer of [a, b, c]) expect((await stateOf(t, transfer.id)).transfer.status).toBe('cancelled');
  });

  it('processes a webhook-id once: a replay, even re-signed later with another timestamp, is 200 and does nothing', async () => {
    const key = await keyWithPolicy(t, ethPolicy());
    const transfer = await pendingTransfer(t, key);
    const first = statusEvent(transfer, 'CANCELLED');
    expect((await postStandard(first, [newSecret], { id: 'msg_once' })).statusCode).toBe(200);
    expect((await postStandard(first, [newSecret], { id: 'msg_once', timestamp: nowSeconds() - 30 })).statusCode).toBe(200);
    expect((await postStandard(first, [newSecret], { id: 'msg_once' })).json()).toEqual({ received: true });
    const state = await stateOf(t, transfer.id);
    expect(state.events).toHaveLength(1);
    expect(state.audits).toHaveLength(1);
  });

  it("one provider never moves another provider's transfer: answered the same 200, the transfer untouched", async () => {
    const key = await keyWithPolicy(t, ethPolicy());
    const transfer = await pendingTransfer(t, key);
    const before = (await stateOf(t, transfer.id)).transfer;
    const response = await postStandard(statusEvent(transfer, 'CANCELLED'), [acmeSecret], { provider: 'acme' });
    expect(response.json()).toEqual({ received: true });
    const state = await stateOf(t, transfer.id);
    expect(state.transfer).toEqual(before);
    expect(state.events).toEqual([]);
    const { rows } = await t.superuser.query(`SELECT outcome FROM inbound_provider_events WHERE provider = 'acme'`);
    expect(rows).toEqual([{ outcome: 'unknown_transaction' }]);
    await expectAuditRows(t.superuser, { action: 'provider_event.receive', actor: { type: 'provider', id: 'acme' } }, 1);
  });

  it('writes no secret, signature or key to a log', async () => {
    const key = await keyWithPolicy(t, ethPolicy());
    const transfer = await submitTransfer(t, key);
    const body = statusEvent(transfer, 'CANCELLED');
    const headers = signWebhook({ id: `msg_${randomBytes(4).toString('hex')}`, timestamp: nowSeconds(), body }, [newSecret]);
    await postInbound(t, body, { ...headers });
    await postStandard(body, [newWebhookSecret()]);
    const logs = t.rawLogs();
    expect(logs).toContain('inbound webhook keys loaded');
    for (const secret of [oldSecret, newSecret, acmeSecret, headers['webhook-signature'].slice(3)]) {
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(secret.slice(6));
    }
  });
});
