import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { LightMyRequestResponse } from 'fastify';
import { signFireblocksWebhook } from '../../apps/api/src/providers/fireblocks/fireblocks-webhook';
import { InboundProviderEvents } from '../../apps/api/src/cosigner/inbound/inbound-events';
import { newWebhookSecret, signWebhook } from '../../apps/api/src/webhooks/signing/standard-webhooks';
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

/**
 * Attacks on the inbound provider events (docs/adr/0022): forged and replayed events,
 * escalations of what a verified event does, cross-provider and cross-workspace reach, and
 * resource abuse. A passing case pins a defence that held.
 */

const SIMULATOR_WEBHOOK_KEY = createPrivateKey(TEST_SIMULATOR_PRIVATE_KEY);
const ACME_SECRET = newWebhookSecret();
const ACME_COSIGNER_PUBLIC = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

type Transferish = Pick<SubmittedTransfer, 'externalTxId'>;

function eventJson(transfer: Transferish, status: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'TRANSACTION_STATUS_UPDATED',
    tenantId: 'simulator',
    timestamp: Date.now(),
    data: { externalTxId: transfer.externalTxId, status, nonce: randomUUID(), ...more },
  };
}

function statusEvent(transfer: Transferish, status: string, more: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify(eventJson(transfer, status, more)));
}

function post(
  t: Pick<TestAppHandle, 'app'>,
  body: Buffer | string | Readable,
  headers: Record<string, string | string[]>,
  options: { provider?: string; contentType?: string | null; url?: string } = {},
): Promise<LightMyRequestResponse> {
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  return t.app.inject({
    method: 'POST',
    url: options.url ?? `/v1/inbound/${options.provider ?? 'simulator'}/webhooks`,
    headers: { ...(contentType === null ? {} : { 'content-type': contentType }), ...headers },
    payload: body,
  });
}

function postFireblocks(t: Pick<TestAppHandle, 'app'>, body: Buffer, options: { provider?: string } = {}): Promise<LightMyRequestResponse> {
  return post(t, body, { 'fireblocks-signature': signFireblocksWebhook(body, SIMULATOR_WEBHOOK_KEY) }, options);
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function postAcme(
  t: Pick<TestAppHandle, 'app'>,
  body: Buffer,
  options: { id?: string; timestamp?: number; secret?: string; provider?: string } = {},
): Promise<LightMyRequestResponse> {
  const headers = signWebhook({ id: options.id ?? `msg_${randomUUID()}`, timestamp: options.timestamp ?? nowSeconds(), body }, [
    options.secret ?? ACME_SECRET,
  ]);
  return post(t, body, { ...headers }, { provider: options.provider ?? 'acme' });
}

async function stateOf(t: TestAppHandle, transferId: string) {
  const transfer = (await t.superuser.query(`SELECT status, reason, provider_tx_id, version FROM transfers WHERE id = $1`, [transferId]))
    .rows[0];
  const reservations = (
    await t.superuser.query(
      `SELECT released_at IS NOT NULL AS released FROM cosigner_cap_reservations WHERE transfer_id = $1 ORDER BY reserved_at`,
      [transferId],
    )
  ).rows.map((row: { released: boolean }) => row.released);
  const events = (
    await t.superuser.query(`SELECT payload FROM domain_events WHERE subject_id = $1 AND type = 'transfer.status_changed'`, [transferId])
  ).rows;
  return { transfer, reservations, events };
}

async function pendingTransfer(t: TestAppHandle, key: Parameters<typeof submitTransfer>[1], amount = '1.5'): Promise<SubmittedTransfer> {
  const transfer = await submitTransfer(t, key, { amount });
  await until(
    'the transfer pending',
    async () => (await stateOf(t, transfer.id)).transfer.status,
    (status) => status === 'pending',
  );
  return transfer;
}

async function approve(t: TestAppHandle, transfer: SubmittedTransfer, overrides: Record<string, unknown> = {}): Promise<string> {
  const answer = await postCallback(t, signedBySimulator(signRequestFor(transfer, overrides)));
  return verifiedAnswer(answer.body).action;
}

async function lastAuditId(t: TestAppHandle): Promise<string> {
  return (await t.superuser.query(`SELECT coalesce(max(id), 0)::text AS id FROM audit_log`)).rows[0].id as string;
}

async function refusalsSince(t: TestAppHandle, after: string): Promise<string[]> {
  return (
    await t.superuser.query(`SELECT reason FROM audit_log WHERE id > $1 AND action = 'inbound.webhook' ORDER BY id`, [after])
  ).rows.map((row: { reason: string }) => row.reason);
}

async function outcomeOf(t: TestAppHandle, provider: string, eventId: string): Promise<string | undefined> {
  const { rows } = await t.superuser.query(`SELECT outcome FROM inbound_provider_events WHERE provider = $1 AND event_id = $2`, [
    provider,
    eventId,
  ]);
  return rows[0]?.outcome as string | undefined;
}

describe('inbound provider events: attacks', () => {
  const t = useTestApp({
    env: {
      RINGFENCE_ROLE: 'api',
      COSIGNER_PROVIDERS: 'simulator,acme',
      INBOUND_WEBHOOK_PROVIDERS: 'simulator:fireblocks,acme:standard',
    },
    secretFiles: { 'webhook-acme.secret.v1.key': ACME_SECRET, 'cosigner-acme.pub.v1.pem': ACME_COSIGNER_PUBLIC },
  });

  describe('forging: the signature and its header', () => {
    it('refuses header tricks on the Fireblocks scheme: two headers, base64url, a prefix, an empty value, a signature of another scheme', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const transfer = await pendingTransfer(t, key);
      const body = statusEvent(transfer, 'CANCELLED');
      const good = signFireblocksWebhook(body, SIMULATOR_WEBHOOK_KEY);
      const audited = await lastAuditId(t);
      const attempts: [string, Record<string, string | string[]>][] = [
        ['two headers, one good', { 'fireblocks-signature': [good, good] }],
        ['two headers, the good one second', { 'fireblocks-signature': ['AAAA', good] }],
        ['base64url', { 'fireblocks-signature': good.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') }],
        ['a sha512= prefix', { 'fireblocks-signature': `sha512=${good}` }],
        ['empty', { 'fireblocks-signature': '' }],
        ['a Standard Webhooks signature instead', { ...signWebhook({ id: 'msg_x', timestamp: nowSeconds(), body }, [ACME_SECRET]) }],
        ['the signature hex-encoded', { 'fireblocks-signature': Buffer.from(good, 'base64').toString('hex') }],
        [
          'the signature with its leading byte dropped',
          { 'fireblocks-signature': Buffer.from(good, 'base64').subarray(1).toString('base64') },
        ],
      ];
      for (const [name, headers] of attempts) {
        const response = await post(t, body, headers);
        expect({ name, status: response.statusCode }).toEqual({ name, status: 401 });
      }
      expect(await refusalsSince(t, audited)).toHaveLength(attempts.length);
      expect((await stateOf(t, transfer.id)).transfer.status).toBe('pending');
      // Whitespace around a good signature is the same signature (header values are trimmed by HTTP).
      expect((await post(t, body, { 'fireblocks-signature': ` ${good} ` })).statusCode).toBe(200);
      expect((await stateOf(t, transfer.id)).transfer.status).toBe('cancelled');
    });

    it('never confuses schemes or providers: the simulator’s Fireblocks signature on acme’s path, acme’s Standard headers on the simulator’s', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const transfer = await pendingTransfer(t, key);
      const body = statusEvent(transfer, 'CANCELLED');
      const audited = await lastAuditId(t);
      expect((await postFireblocks(t, body, { provider: 'acme' })).statusCode).toBe(401);
      expect((await postAcme(t, body, { provider: 'simulator' })).statusCode).toBe(401);
      // Both schemes' headers at once, each valid for its own provider: each path checks only its own.
      const both = {
        'fireblocks-signature': signFireblocksWebhook(body, SIMULATOR_WEBHOOK_KEY),
        ...signWebhook({ id: 'msg_both', timestamp: nowSeconds(), body }, [ACME_SECRET]),
      };
      expect((await post(t, body, both, { provider: 'acme' })).statusCode).toBe(200);
      // acme verified it, and acme does not own the simulator's transfer: nothing moved.
      expect((await stateOf(t, transfer.id)).transfer.status).toBe('pending');
      expect(await refusalsSince(t, audited)).toEqual(['signature_missing_header', 'signature_missing_signature']);
    });

    it('refuses Standard Webhooks header tricks: a duplicated id or signature, a signed id the store cannot key, a timestamp not in plain digits', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const transfer = await pendingTransfer(t, key);
      const body = statusEvent(transfer, 'CANCELLED');
      const ts = nowSeconds();
      const signed = (id: string, timestamp = String(ts)) => signWebhook({ id, timestamp: Number(timestamp), body }, [ACME_SECRET]);
      const good = signed('msg_dup');
      const attempts: [string, Record<string, string | string[]>, string][] = [
        // Node joins a repeated webhook-id ("msg_dup, msg_other"): another id, so the signature does not hold.
        ['two ids', { ...good, 'webhook-id': ['msg_dup', 'msg_other'] }, 'signature_signature_mismatch'],
        ['two signature headers, neither valid', { ...good, 'webhook-signature': ['v1,AAAA', 'v1,BBBB'] }, 'signature_signature_mismatch'],
        ['a signed id with a space', { ...signed('msg a') }, 'signature_malformed_id'],
        ['an id of 257 characters', { ...signed('m'.repeat(257)) }, 'signature_malformed_id'],
        ['a signed timestamp with a sign', { ...good, 'webhook-timestamp': `+${ts}` }, 'signature_malformed_timestamp'],
        ['a fractional timestamp', { ...good, 'webhook-timestamp': `${ts}.0` }, 'signature_malformed_timestamp'],
        [
          'a v2 signature only',
          { ...good, 'webhook-signature': good['webhook-signature'].replace('v1,', 'v2,') },
          'signature_no_v1_signature',
        ],
      ];
      const audited = await lastAuditId(t);
      for (const [name, headers] of attempts) {
        const response = await post(t, body, headers, { provider: 'acme' });
        expect({ name, status: response.statusCode }).toEqual({ name, status: 401 });
      }
      expect(await refusalsSince(t, audited)).toEqual(attempts.map(([, , reason]) => reason));
    });

    it('answers a path that names no configured provider 401, whatever bytes it carries (NUL, a cut surrogate pair, a long name): never a 500', async () => {
      const body = statusEvent({ externalTxId: `${randomUUID()}:live:x` }, 'FAILED');
      const signature = signFireblocksWebhook(body, SIMULATOR_WEBHOOK_KEY);
      for (const provider of ['%00', `${'a'.repeat(63)}%F0%9F%98%80`, 'a'.repeat(2000), 'SIMULATOR', 'simulator%20', '%2e%2e']) {
        const response = await post(t, body, { 'fireblocks-signature': signature }, { provider });
        expect({ provider, refused: [400, 401, 404, 414].includes(response.statusCode) }).toEqual({ provider, refused: true });
      }
    });
  });

  describe('forging: the body as bytes', () => {
    it('takes no body it did not verify as sent: a gzip body is not decoded; form and unknown types are 415; no type is refused', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const transfer = await pendingTransfer(t, key);
      const body = statusEvent(transfer, 'CANCELLED');
      const signature = signFireblocksWebhook(body, SIMULATOR_WEBHOOK_KEY);
      // The signature is over the plain JSON; what is sent is its gzip: no decompression happens before the check.
      const gzipped = await post(t, gzipSync(body), { 'fireblocks-signature': signature, 'content-encoding': 'gzip' });
      expect(gzipped.statusCode).toBe(401);
      expect(
        (await post(t, body, { 'fireblocks-signature': signature }, { contentType: 'application/x-www-form-urlencoded' })).statusCode,
      ).toBe(415);
      expect(
        (await post(t, body, { 'fireblocks-signature': signature }, { contentType: 'multipart/form-data; boundary=x' })).statusCode,
      ).toBe(415);
      expect([401, 415]).toContain((await post(t, body, { 'fireblocks-signature': signature }, { contentType: null })).statusCode);
      expect((await stateOf(t, transfer.id)).transfer.status).toBe('pending');
      // Another token media type carries the same bytes: the same verification, the same event.
      expect((await post(t, body, { 'fireblocks-signature': signature }, { contentType: 'text/plain' })).statusCode).toBe(200);
      expect((await stateOf(t, transfer.id)).transfer.status).toBe('cancelled');
      // And the same bytes again under application/json are a replay (the id is the body's hash, not its media type).
      expect((await post(t, body, { 'fireblocks-signature': signature })).statusCode).toBe(200);
      expect((await stateOf(t, transfer.id)).events).toHaveLength(1);
    });

    it('caps a chunked body (no Content-Length) while reading it: 413, nothing verified or recorded', async () => {
      const audited = await lastAuditId(t);
      const seen = (await t.superuser.query(`SELECT count(*)::int AS n FROM inbound_provider_events`)).rows[0].n;
      const chunks = Array.from({ length: 40 }, () => Buffer.alloc(8 * 1024, 0x20));
      const response = await post(t, Readable.from(chunks), { 'fireblocks-signature': 'AAAA', 'transfer-encoding': 'chunked' });
      expect(response.statusCode).toBe(413);
      expect(await refusalsSince(t, audited)).toEqual([]);
      expect((await t.superuser.query(`SELECT count(*)::int AS n FROM inbound_provider_events`)).rows[0].n).toBe(seen);
    });

    it('answers 200 and remembers a verified body that is deeply nested, huge in keys, or a BOM before JSON: no 500, the job is not stuck', async () => {
      const deep = Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
      const wide = Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: 15_000 }, (_, i) => [`k${i}`, i]))));
      const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), statusEvent({ externalTxId: `${randomUUID()}:live:bom` }, 'FAILED')]);
      const nested = Buffer.from(
        `{"type":"TRANSACTION_STATUS_UPDATED","data":{"status":"FAILED","externalTxId":"${randomUUID()}:live:n","x":${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}}}`,
      );
      for (const body of [deep, wide, bom, nested]) {
        expect(body.length).toBeLessThan(256 * 1024);
        const response = await postFireblocks(t, body);
        expect(response.statusCode).toBe(200);
      }
    });
  });

  describe('verified, but odd: what a provider signs must never 500 nor bypass the checks', () => {
    it('remembers an event whose ids carry a NUL or a lone surrogate (answered 200, not a 500 the provider retries for ever) [API10:2023]', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const transfer = await pendingTransfer(t, key);
      const bodies: [string, Buffer][] = [
        ['a NUL in data.id', statusEvent(transfer, 'FAILED', { id: 'tx\u0000evil' })],
        ['a lone surrogate in data.id', statusEvent(transfer, 'FAILED', { id: 'tx\ud800' })],
        ['a NUL in externalTxId', statusEvent({ externalTxId: `${transfer.externalTxId}\u0000` }, 'FAILED')],
        ['a lone surrogate in externalTxId', statusEvent({ externalTxId: `${transfer.externalTxId}\udc00` }, 'FAILED')],
        ['a NUL in an unknown reference', statusEvent({ externalTxId: `${randomUUID()}:live:\u0000` }, 'FAILED', { id: 'x\u0000' })],
      ];
      for (const [name, body] of bodies) {
        const response = await postFireblocks(t, body);
        expect({ name, status: response.statusCode }).toEqual({ name, status: 200 });
      }
    });

    it('an event whose data.id is not a readable id (a number, too long) does not pass as naming no transaction: it moves nothing the recorded id does not own', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const transfer = await pendingTransfer(t, key);
      const recorded = (await stateOf(t, transfer.id)).transfer.provider_tx_id as string;
      expect(typeof recorded).toBe('string');
      expect(await approve(t, transfer, { txId: recorded })).toBe('APPROVE');
      for (const id of [12345, 'x'.repeat(513), { id: recorded }, [recorded]]) {
        expect((await postFireblocks(t, statusEvent(transfer, 'FAILED', { id }))).statusCode).toBe(200);
      }
      const state = await stateOf(t, transfer.id);
      expect(state.transfer.status).toBe('approved');
      expect(state.reservations).toEqual([false]);
      // The id recorded, or none at all (Fireblocks v1 always sends one; a body without it names no other), moves it.
      expect((await postFireblocks(t, statusEvent(transfer, 'FAILED', { id: recorded }))).statusCode).toBe(200);
      expect((await stateOf(t, transfer.id)).transfer.status).toBe('failed');
    });
  });

  describe('escalation: states and reservations', () => {
    it('COMPLETED keeps the reservation through any replay or later word, so the windowed cap still refuses what it must (end to end through the co-signer)', async () => {
      // 150 per 24 h, 100 per transfer: one of 100 spends it; a second of 100 must be refused.
      const key = await keyWithPolicy(t, ethPolicy('150'));
      const first = await pendingTransfer(t, key, '100');
      const txId = (await stateOf(t, first.id)).transfer.provider_tx_id as string;
      expect(await approve(t, first, { txId })).toBe('APPROVE');
      const completed = statusEvent(first, 'COMPLETED', { id: txId });
      expect((await postFireblocks(t, completed)).statusCode).toBe(200);
      // Every later word about it: a replay, a failure, a cancellation, a rejection, with its id, without, with another.
      const later = [
        completed,
        statusEvent(first, 'FAILED', { id: txId }),
        statusEvent(first, 'CANCELLED'),
        statusEvent(first, 'REJECTED', { id: 'another' }),
        statusEvent(first, 'TIMEOUT', { id: txId }),
      ];
      await Promise.all(later.map((body) => postFireblocks(t, body)));
      // And the same through Standard Webhooks from the other provider, which does not own it.
      await postAcme(t, statusEvent(first, 'FAILED', { id: txId }));
      expect(await stateOf(t, first.id)).toMatchObject({ transfer: { status: 'completed' }, reservations: [false] });
      const second = await pendingTransfer(t, key, '100');
      const secondTx = (await stateOf(t, second.id)).transfer.provider_tx_id as string;
      expect(await approve(t, second, { txId: secondTx })).toBe('REJECT');
      // A co-signer request about the completed one again is refused (no second approval of a spent intent).
      expect(await approve(t, first, { txId })).toBe('REJECT');
    });

    it('two different events that both end an approved transfer, raced: one applies, the reservation released once, one announcement', async () => {
      const key = await keyWithPolicy(t, ethPolicy('150'));
      const transfer = await pendingTransfer(t, key, '100');
      const txId = (await stateOf(t, transfer.id)).transfer.provider_tx_id as string;
      expect(await approve(t, transfer, { txId })).toBe('APPROVE');
      const bodies = [
        statusEvent(transfer, 'COMPLETED', { id: txId }),
        statusEvent(transfer, 'FAILED', { id: txId }),
        statusEvent(transfer, 'CANCELLED', { id: txId }),
        statusEvent(transfer, 'FAILED', { id: txId, subStatus: 'X' }),
      ];
      const answers = await Promise.all(bodies.map((body) => postFireblocks(t, body)));
      expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200]);
      const state = await stateOf(t, transfer.id);
      expect(state.events).toHaveLength(1);
      expect(state.reservations).toEqual([state.transfer.status !== 'completed']);
      // What the caps see agrees with the status: a second transfer of 100 passes only if the first gave its reservation back.
      const second = await pendingTransfer(t, key, '100');
      const secondTx = (await stateOf(t, second.id)).transfer.provider_tx_id as string;
      expect(await approve(t, second, { txId: secondTx })).toBe(state.transfer.status === 'completed' ? 'REJECT' : 'APPROVE');
    });

    it('never resurrects a final transfer nor moves one the policy rejected; never completes an unapproved one [API10:2023]', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const rejected = await submitTransfer(t, key, { destination: { address: '0x00000000000000000000000000000000000000bd' } });
      await until(
        'pending',
        async () => (await stateOf(t, rejected.id)).transfer.status,
        (status) => status === 'pending',
      );
      expect(await approve(t, rejected)).toBe('REJECT');
      for (const status of ['COMPLETED', 'CANCELLED', 'FAILED', 'SUBMITTED', 'PENDING_SIGNATURE']) {
        await postFireblocks(t, statusEvent(rejected, status));
      }
      expect((await stateOf(t, rejected.id)).transfer.status).toBe('rejected');
      const pending = await pendingTransfer(t, key);
      for (const status of ['COMPLETED', 'CONFIRMING', 'BROADCASTING', 'completed', 'Completed']) {
        await postFireblocks(t, statusEvent(pending, status));
      }
      expect((await stateOf(t, pending.id)).transfer.status).toBe('pending');
      // An approved one rejected at the provider is failed, never rejected (approval stays ours).
      await approve(t, pending);
      await postFireblocks(t, statusEvent(pending, 'BLOCKED'));
      expect((await stateOf(t, pending.id)).transfer).toMatchObject({ status: 'failed', reason: 'provider_blocked' });
    });
  });

  describe('reach: another provider, another workspace', () => {
    it('acme’s events never touch the simulator’s transfer, nor tell its workspace anything; its event ids never shadow the simulator’s', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const transfer = await pendingTransfer(t, key);
      const before = (await stateOf(t, transfer.id)).transfer;
      const workspaceAudit = async () =>
        (await t.superuser.query(`SELECT count(*)::int AS n FROM audit_log WHERE workspace_id = $1`, [key.workspaceId])).rows[0].n;
      const audited = await workspaceAudit();
      const body = statusEvent(transfer, 'CANCELLED');
      expect((await postAcme(t, body, { id: 'msg_shadow' })).json()).toEqual({ received: true });
      expect(await stateOf(t, transfer.id)).toMatchObject({ transfer: before, events: [] });
      expect(await workspaceAudit()).toBe(audited);
      expect(await outcomeOf(t, 'acme', 'msg_shadow')).toBe('unknown_transaction');
      // The simulator's event with acme's body's hash as its id would still be its own: the stores are per provider.
      expect((await postFireblocks(t, body)).statusCode).toBe(200);
      expect((await stateOf(t, transfer.id)).transfer.status).toBe('cancelled');
    });

    it('a reference naming one workspace under another’s id finds nothing: the place is the reference’s, and row-level security holds it', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const other = await keyWithPolicy(t, ethPolicy());
      const transfer = await pendingTransfer(t, key);
      const idempotencyKey = transfer.externalTxId.split(':').slice(2).join(':');
      for (const reference of [
        `${other.workspaceId}:live:${idempotencyKey}`,
        `${key.workspaceId}:test:${idempotencyKey}`,
        `${key.workspaceId.toUpperCase()}:live:${idempotencyKey}`,
        ` ${transfer.externalTxId}`,
        `${transfer.externalTxId} `,
      ]) {
        expect((await postFireblocks(t, statusEvent({ externalTxId: reference }, 'CANCELLED'))).statusCode).toBe(200);
      }
      expect((await stateOf(t, transfer.id)).transfer.status).toBe('pending');
    });
  });

  describe('resource and logs', () => {
    it('purges only expired ids: a provider’s own transaction cannot delete one to clear the way for a replay', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const transfer = await pendingTransfer(t, key);
      const body = statusEvent(transfer, 'CANCELLED');
      await postFireblocks(t, body);
      await t.superuser.query(
        `INSERT INTO inbound_provider_events (provider, event_id, outcome, received_at) VALUES ('simulator', $1, 'ignored', now() - interval '800 hours')`,
        [`old-${randomUUID()}`],
      );
      const purged = await t.app.get(InboundProviderEvents).purgeExpired();
      expect(purged).toBeGreaterThanOrEqual(1);
      const { rows } = await t.superuser.query(
        `SELECT count(*)::int AS n FROM inbound_provider_events WHERE received_at < now() - interval '720 hours'`,
      );
      expect(rows[0].n).toBe(0);
      // The recent one stays: its replay still does nothing.
      expect((await postFireblocks(t, body)).statusCode).toBe(200);
      expect((await stateOf(t, transfer.id)).events).toHaveLength(1);
    });

    it('logs no Fireblocks signature, refused or accepted', async () => {
      const key = await keyWithPolicy(t, ethPolicy());
      const transfer = await pendingTransfer(t, key);
      const body = statusEvent(transfer, 'CANCELLED');
      const signature = signFireblocksWebhook(body, SIMULATOR_WEBHOOK_KEY);
      await post(t, Buffer.from(`${body.toString()} `), { 'fireblocks-signature': signature });
      await post(t, body, { 'fireblocks-signature': signature });
      await post(t, body, { 'fireblocks-signature': `${signature}!` });
      const logs = t.rawLogs();
      expect(logs).not.toContain(signature.slice(0, 40));
      expect(logs).not.toContain(ACME_SECRET.slice(6));
    });
  });
});
