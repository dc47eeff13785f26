import jwt from 'jsonwebtoken';
import { createHmac, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { expectAuditRow, expectAuditRows, expectProblem } from '../support/assertions';
import {
  activatePolicy,
  COSIGNER_SCOPES,
  ethPolicy,
  postCallback,
  signedBySimulator,
  signRequestFor,
  submitTransfer,
  verifiedAnswer,
} from '../support/cosigner';
import { TEST_SIMULATOR_PRIVATE_KEY } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

const SCOPES = COSIGNER_SCOPES;
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('cosigner callbacks (/v1/cosigner/:provider/v2/…)', () => {
  const t = useTestApp();

  async function workspaceWithPolicy(document = ethPolicy()) {
    const key = await t.newKey({ scopes: SCOPES });
    await activatePolicy(t, key, document);
    return key;
  }

  describe('the signature, checked before anything reads the body', () => {
    // The simulator's public key, as a provider publishes it: an attacker has it.
    const publicPem = (): string => createPublicKey(TEST_SIMULATOR_PRIVATE_KEY).export({ type: 'spki', format: 'pem' }).toString();

    it('answers every forgery the one 401, records its reason as a security event, and decides nothing [V4.1.5]', async () => {
      const key = await workspaceWithPolicy();
      const transfer = await submitTransfer(t, key);
      const payload = signRequestFor(transfer);
      const good = signedBySimulator(payload);
      const [header, body, signature] = good.split('.') as [string, string, string];
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const hs256 = `${b64({ alg: 'HS256', typ: 'JWT' })}.${body}`;
      const forgeries: [string, string | Buffer, string][] = [
        ['alg none', `${b64({ alg: 'none' })}.${body}.`, 'signature_malformed'],
        [
          'HS256 keyed with the public key',
          `${hs256}.${createHmac('sha256', publicPem()).update(hs256).digest('base64url')}`,
          'signature_algorithm',
        ],
        [
          'a jwk in the header',
          jwt.sign(payload, TEST_SIMULATOR_PRIVATE_KEY, { algorithm: 'RS256', header: { alg: 'RS256', jwk: { kty: 'RSA' } } as never }),
          'signature_key_in_header',
        ],
        ['an unknown kid', jwt.sign(payload, TEST_SIMULATOR_PRIVATE_KEY, { algorithm: 'RS256', keyid: 'v9' }), 'signature_unknown_key'],
        ['a wrong key', jwt.sign(payload, stranger.privateKey, { algorithm: 'RS256' }), 'signature_signature'],
        ['a truncated signature', `${header}.${body}.${signature.slice(0, -8)}`, 'signature_signature'],
        ['an edited payload', `${header}.${b64({ ...payload, amountStr: '1000' })}.${signature}`, 'signature_signature'],
        ['an oversized body', `${good}${' '.repeat(70 * 1024)}x`, 'signature_too_large'],
      ];
      for (const [name, forged] of forgeries) {
        const response = await postCallback(t, forged);
        expect({ name, status: response.statusCode, code: response.json().code }).toEqual({ name, status: 401, code: 'UNAUTHENTICATED' });
      }
      const recorded = await t.superuser.query(
        `SELECT reason FROM audit_log WHERE action = 'cosigner.callback' AND outcome = 'denied' AND actor_type = 'anonymous' ORDER BY id`,
      );
      expect(recorded.rows.map((row) => row.reason)).toEqual(forgeries.map(([, , reason]) => reason));
      // A provider we have no key for is the same 401.
      expectProblem(await postCallback(t, good, { provider: 'acme' }), 401, 'UNAUTHENTICATED');
      await expectAuditRow(t.superuser, {
        action: 'cosigner.callback',
        reason: 'signature_unknown_provider',
        target: { type: 'provider', id: 'acme' },
      });
      const { rows } = await t.superuser.query(`SELECT count(*)::int AS n FROM cosigner_requests`);
      expect(rows).toEqual([{ n: 0 }]);
      const state = await t.superuser.query(`SELECT status FROM transfers WHERE id = $1`, [transfer.id]);
      expect(state.rows[0].status).not.toBe('approved');
      // The genuine one, after all that, is decided.
      const answer = await postCallback(t, good);
      expect(answer.statusCode).toBe(200);
      expect(verifiedAnswer(answer.body)).toEqual({ action: 'APPROVE', requestId: payload['requestId'] });
    });

    it('remembers a verified body only until its token expires: the same bytes after their exp are refused', async () => {
      const key = await workspaceWithPolicy();
      const transfer = await submitTransfer(t, key);
      // Seconds ahead enough that both calls before it land before it, on a loaded machine too.
      const exp = Math.floor(Date.now() / 1000) + 3;
      const token = signedBySimulator({ ...signRequestFor(transfer), exp });
      expect(verifiedAnswer((await postCallback(t, token)).body).action).toBe('APPROVE');
      expect(verifiedAnswer((await postCallback(t, token)).body).action).toBe('APPROVE');
      while (Date.now() <= exp * 1000) await new Promise((resolve) => setTimeout(resolve, 100));
      expectProblem(await postCallback(t, token), 401, 'UNAUTHENTICATED');
      await expectAuditRow(t.superuser, { action: 'cosigner.callback', reason: 'signature_expired' });
    });

    it('takes the token under any of the media types a JWS is sent with', async () => {
      const key = await workspaceWithPolicy();
      for (const contentType of ['text/plain', 'application/jwt', 'application/json', 'application/jose']) {
        const transfer = await submitTransfer(t, key);
        const response = await postCallback(t, signedBySimulator(signRequestFor(transfer)), { contentType });
        expect({ contentType, status: response.statusCode, action: verifiedAnswer(response.body).action }).toEqual({
          contentType,
          status: 200,
          action: 'APPROVE',
        });
      }
      // Elsewhere those types are still refused.
      expectProblem(
        await t.inject({
          method: 'POST',
          url: '/v1/policies/explain',
          headers: { ...key.headers, 'content-type': 'text/plain' },
          payload: 'x',
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });
  });

  describe('a decision', () => {
    it('approves what the policy admits, in one transaction with the transfer, the reservation, the audit row and the event; a retry gets the same bytes [V4.1.5]', async () => {
      const key = await workspaceWithPolicy();
      const transfer = await submitTransfer(t, key, { amount: '2.25' });
      const payload = signRequestFor(transfer);
      const first = await postCallback(t, signedBySimulator(payload));
      expect(first.statusCode).toBe(200);
      expect(first.headers['content-type']).toMatch(/^text\/plain/);
      expect(verifiedAnswer(first.body)).toEqual({ action: 'APPROVE', requestId: payload['requestId'] });
      // The provider's retry (a fresh token over the same request) replays the stored answer byte for byte.
      const again = await postCallback(t, signedBySimulator(payload, { expiresIn: 60 }));
      expect(again.body).toBe(first.body);
      const view = (await t.inject({ method: 'GET', url: `/v1/transfers/${transfer.id}`, headers: key.headers })).json();
      expect(view).toMatchObject({ status: 'approved', decision: { policyVersion: 1, rule: 'eth', reason: 'rule_approved' } });
      await expectAuditRows(
        t.superuser,
        {
          action: 'cosigner.decide',
          target: { type: 'transfer', id: transfer.id },
          actor: { type: 'provider', id: 'simulator' },
          outcome: 'success',
        },
        1,
      );
      const reservations = await t.superuser.query(`SELECT amount::text, rule_name FROM cosigner_cap_reservations WHERE transfer_id = $1`, [
        transfer.id,
      ]);
      expect(reservations.rows).toEqual([{ amount: '2.25', rule_name: 'eth' }]);
      const events = await t.superuser.query(`SELECT type FROM domain_events WHERE subject_id = $1`, [transfer.id]);
      expect(events.rows).toEqual([{ type: 'transfer.approved' }]);
    });

    it('makes one decision for 50 concurrent duplicates and gives each the same answer [V2.3.4]', async () => {
      const key = await workspaceWithPolicy();
      const transfer = await submitTransfer(t, key);
      const payload = signRequestFor(transfer);
      const answers = await Promise.all(Array.from({ length: 50 }, () => postCallback(t, signedBySimulator(payload))));
      expect(new Set(answers.map((answer) => `${answer.statusCode} ${answer.body}`)).size).toBe(1);
      expect(verifiedAnswer(answers[0]!.body).action).toBe('APPROVE');
      await expectAuditRows(t.superuser, { action: 'cosigner.decide', target: { type: 'transfer', id: transfer.id } }, 1);
      const { rows } = await t.superuser.query(`SELECT count(*)::int AS n FROM cosigner_cap_reservations WHERE transfer_id = $1`, [
        transfer.id,
      ]);
      expect(rows).toEqual([{ n: 1 }]);
    });

    it('rejects, with its reason, what asks for anything but the intent, what is not ours, and what no policy admits [V2.3.1]', async () => {
      const key = await workspaceWithPolicy();
      const decide = async (payload: Record<string, unknown>, kind?: 'config_change_sign_request') => {
        const response = await postCallback(t, signedBySimulator(payload), { kind });
        expect(response.statusCode).toBe(200);
        return verifiedAnswer(response.body);
      };
      const cases: [string, Promise<Record<string, unknown>>, string][] = [];
      const t1 = await submitTransfer(t, key);
      cases.push(['another amount', decide(signRequestFor(t1, { amountStr: '1.6' })), 'intent_mismatch:amount']);
      const t2 = await submitTransfer(t, key);
      cases.push([
        'another destination',
        decide(signRequestFor(t2, { destAddress: '0x00000000000000000000000000000000000000cc' })),
        'intent_mismatch:destination',
      ]);
      const t3 = await submitTransfer(t, key);
      cases.push(['another asset', decide(signRequestFor(t3, { asset: 'BTC' })), 'intent_mismatch:asset']);
      const t4 = await submitTransfer(t, key);
      cases.push([
        'an operation no rule names',
        decide(signRequestFor(t4, { operation: 'CONTRACT_CALL' })),
        'unsupported_operation:CONTRACT_CALL',
      ]);
      const t5 = await submitTransfer(t, key, { destination: { address: '0x00000000000000000000000000000000000000BD' } });
      cases.push(['a blocked destination', decide(signRequestFor(t5)), 'rule_rejected']);
      const t6 = await submitTransfer(t, key, { amount: '101' });
      cases.push(['over the per-transaction cap', decide(signRequestFor(t6)), 'cap_per_transaction']);
      const t7 = await submitTransfer(t, key);
      cases.push([
        'an unknown reference of our form',
        decide(signRequestFor(t7, { externalTxId: `${key.workspaceId}:live:nope` })),
        'unknown_external_tx',
      ]);
      cases.push(['a foreign reference', decide(signRequestFor(t7, { externalTxId: 'their-own-ref' })), 'unknown_external_tx']);
      cases.push(['no reference', decide(signRequestFor(t7, { externalTxId: undefined })), 'missing_field:externalTxId']);
      cases.push([
        'a reference naming the other environment',
        decide(signRequestFor(t7, { externalTxId: t7.externalTxId.replace(':live:', ':test:') })),
        'unknown_external_tx',
      ]);
      cases.push([
        'a configuration change',
        decide({ requestId: randomUUID(), type: 'ADD_WHITELISTED_ADDRESS' }, 'config_change_sign_request'),
        'config_change_not_supported',
      ]);
      for (const [name, answer, reason] of cases) {
        expect({ name, answer: await answer }).toMatchObject({ name, answer: { action: 'REJECT', rejectionReason: reason } });
      }
      const statuses = await t.superuser.query(`SELECT id, status FROM transfers WHERE id = ANY($1)`, [[t1.id, t2.id, t5.id, t6.id]]);
      expect(statuses.rows.every((row) => row.status === 'rejected')).toBe(true);
      await expectAuditRow(t.superuser, { action: 'cosigner.decide', reason: 'config_change_not_supported', workspaceId: null });
      // A key of another workspace sees none of it.
      const other = await t.newKey({ scopes: ['transfers:read'] });
      expectProblem(await t.inject({ method: 'GET', url: `/v1/transfers/${t1.id}`, headers: other.headers }), 404, 'NOT_FOUND');
    });

    it('rejects everything while the workspace has no active policy, and refuses a request id reused for other content [V2.3.1]', async () => {
      const key = await t.newKey({ scopes: SCOPES });
      const transfer = await submitTransfer(t, key);
      const payload = signRequestFor(transfer);
      const answer = verifiedAnswer((await postCallback(t, signedBySimulator(payload))).body);
      expect(answer).toMatchObject({ action: 'REJECT', rejectionReason: 'no_active_policy' });
      const reused = verifiedAnswer((await postCallback(t, signedBySimulator({ ...payload, amountStr: '9' }))).body);
      expect(reused).toMatchObject({ action: 'REJECT', rejectionReason: 'request_id_reused' });
    });
  });
});
