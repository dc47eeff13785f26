import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import {
  newWebhookSecret,
  parseWebhookSecret,
  signWebhook,
  verifyWebhook,
  WebhookHeaders,
  WebhookSecretError,
  WebhookVerification,
} from './standard-webhooks';

// The specification's published example (https://github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md).
const PUBLISHED = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const at = (seconds: number) => new Date(seconds * 1000);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const passed = (id: string, timestamp: number): WebhookVerification => ({ verified: true, id, timestamp });

describe('Standard Webhooks signing', () => {
  it('reproduces the published vector exactly, and verifies it at its own time', () => {
    const { secret, id, timestamp, body, signature } = PUBLISHED;
    const headers = signWebhook({ id, timestamp, body }, [secret]);
    expect(headers).toEqual({ 'webhook-id': id, 'webhook-timestamp': '1614265330', 'webhook-signature': signature });
    expect(signWebhook({ id, timestamp, body: Buffer.from(body) }, [secret])).toEqual(headers);
    expect(verifyWebhook(headers, body, [secret], { now: at(timestamp) })).toEqual(passed(id, timestamp));
  });

  describe('secrets', () => {
    it('makes whsec_ and the base64 of 32 random bytes, never twice the same, each one parsing back', () => {
      const secrets = Array.from({ length: 200 }, newWebhookSecret);
      expect(new Set(secrets).size).toBe(200);
      for (const secret of secrets) {
        expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
        expect(parseWebhookSecret(secret)).toEqual(Buffer.from(secret.slice(6), 'base64'));
        expect(parseWebhookSecret(secret)).toHaveLength(32);
      }
    });

    it('parses the published secret to its 24 bytes and accepts 64', () => {
      expect(parseWebhookSecret(PUBLISHED.secret)).toEqual(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'));
      expect(parseWebhookSecret(PUBLISHED.secret)).toHaveLength(24);
      expect(parseWebhookSecret(`whsec_${Buffer.alloc(64, 7).toString('base64')}`)).toHaveLength(64);
    });

    const key = (bytes: number) => Buffer.alloc(bytes, 0xab).toString('base64');
    it.each([
      ['no prefix', key(32)],
      ['another prefix', `whsk_${key(32)}`],
      ['a prefix in another case', `WHSEC_${key(32)}`],
      ['nothing after the prefix', 'whsec_'],
      ['base64url characters', `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`],
      ['missing padding', `whsec_${key(32).replace('=', '')}`],
      ['a space inside', `whsec_${key(16)} ${key(16)}`],
      ['non-canonical trailing bits', `whsec_${key(32).slice(0, -2)}B=`],
      ['23 bytes', `whsec_${key(23)}`],
      ['65 bytes', `whsec_${key(65)}`],
    ])('refuses %s without repeating the text', (_, text) => {
      let thrown: unknown;
      try {
        parseWebhookSecret(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(WebhookSecretError);
      const message = (thrown as Error).message;
      expect(message).toMatch(/^not a webhook secret: /);
      expect(message).not.toContain(text.slice(6, 16) || text);
      expect(() => signWebhook({ id: 'msg_1', timestamp: 1, body: '' }, [text])).toThrow(WebhookSecretError);
    });
  });

  describe('signing', () => {
    it('puts one v1 signature per secret, side by side, each the one that secret makes alone', () => {
      const [old, next] = [newWebhookSecret(), newWebhookSecret()];
      const message = { id: 'msg_rotation', timestamp: 1_700_000_000, body: '{"a":1}' };
      const both = signWebhook(message, [old, next]);
      const signature = (secret: string) => signWebhook(message, [secret])['webhook-signature'];
      expect(both['webhook-signature']).toBe(`${signature(old)} ${signature(next)}`);
      expect(signature(old)).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(signature(old)).not.toBe(signature(next));
    });

    it.each([
      ['no secret', { id: 'msg_1', timestamp: 1 }, []],
      ['an empty id', { id: '', timestamp: 1 }, [PUBLISHED.secret]],
      ['a fractional timestamp', { id: 'msg_1', timestamp: 1.5 }, [PUBLISHED.secret]],
      ['a negative timestamp', { id: 'msg_1', timestamp: -1 }, [PUBLISHED.secret]],
    ])('refuses to sign with %s', (_, message, secrets) => {
      expect(() => signWebhook({ ...message, body: '' }, secrets)).toThrow();
    });
  });

  describe('the standardwebhooks library', () => {
    const body = '{"type":"transfer.status_changed","data":{"status":"completed"}}';

    it('verifies what we sign with one secret, and what we sign with two under either of them', () => {
      const [old, next, other] = [newWebhookSecret(), newWebhookSecret(), newWebhookSecret()];
      const one = signWebhook({ id: 'msg_one', timestamp: nowSeconds(), body }, [old]);
      expect(new Webhook(old).verify(body, { ...one })).toEqual(JSON.parse(body));
      const two = signWebhook({ id: 'msg_two', timestamp: nowSeconds(), body }, [old, next]);
      expect(new Webhook(old).verify(body, { ...two })).toEqual(JSON.parse(body));
      expect(new Webhook(next).verify(body, { ...two })).toEqual(JSON.parse(body));
      expect(() => new Webhook(other).verify(body, { ...two })).toThrow('No matching signature found');
    });

    it('signs exactly as we do, and we verify what it signs', () => {
      const secret = newWebhookSecret();
      const timestamp = nowSeconds();
      const signature = new Webhook(secret).sign('msg_theirs', at(timestamp), body);
      const headers = { 'webhook-id': 'msg_theirs', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
      expect(signWebhook({ id: 'msg_theirs', timestamp, body }, [secret])).toEqual(headers);
      expect(verifyWebhook(headers, body, [secret], { now: new Date() })).toEqual(passed('msg_theirs', timestamp));
      expect(verifyWebhook(headers, body, [newWebhookSecret()], { now: new Date() })).toEqual({
        verified: false,
        reason: 'signature_mismatch',
      });
    });
  });

  describe('verification', () => {
    const [secret, other] = [newWebhookSecret(), newWebhookSecret()];
    const timestamp = 1_700_000_000;
    const body = '{"event":"key.revoked"}';
    const signed = signWebhook({ id: 'msg_v', timestamp, body }, [secret]);
    const verify = (headers: Record<string, string | string[] | undefined>, text = body, secrets = [secret], seconds = timestamp) =>
      verifyWebhook(headers, text, secrets, { now: at(seconds) });
    const refusal = (reason: string) => ({ verified: false, reason });

    it('passes the message as signed, with header names in any case', () => {
      expect(verify({ ...signed })).toEqual(passed('msg_v', timestamp));
      expect(
        verify({ 'Webhook-Id': 'msg_v', 'WEBHOOK-TIMESTAMP': String(timestamp), 'webhook-Signature': signed['webhook-signature'] }),
      ).toEqual(passed('msg_v', timestamp));
    });

    it('refuses a tampered body, id or timestamp', () => {
      expect(verify({ ...signed }, '{"event":"key.revoked" }')).toEqual(refusal('signature_mismatch'));
      expect(verify({ ...signed, 'webhook-id': 'msg_w' })).toEqual(refusal('signature_mismatch'));
      expect(verify({ ...signed, 'webhook-timestamp': String(timestamp + 1) })).toEqual(refusal('signature_mismatch'));
      expect(verify({ ...signed }, body, [other])).toEqual(refusal('signature_mismatch'));
    });

    it('passes when any one of several signatures is valid, and with any of several secrets (rotation)', () => {
      const theirs = signWebhook({ id: 'msg_v', timestamp, body }, [other])['webhook-signature'];
      const ours = signed['webhook-signature'];
      for (const header of [`${theirs} ${ours}`, `${ours} ${theirs}`])
        expect(verify({ ...signed, 'webhook-signature': header })).toEqual(passed('msg_v', timestamp));
      expect(verify({ ...signed }, body, [other, secret])).toEqual(passed('msg_v', timestamp));
      expect(verify({ ...signed, 'webhook-signature': theirs })).toEqual(refusal('signature_mismatch'));
    });

    it('ignores signatures of unknown versions, and refuses a header with no v1 at all', () => {
      const mac = signed['webhook-signature'].slice(3);
      expect(verify({ ...signed, 'webhook-signature': `v1a,${mac} ${signed['webhook-signature']}` })).toEqual(passed('msg_v', timestamp));
      expect(verify({ ...signed, 'webhook-signature': `v2,${mac} v1a,${mac}` })).toEqual(refusal('no_v1_signature'));
      expect(verify({ ...signed, 'webhook-signature': mac })).toEqual(refusal('no_v1_signature'));
    });

    it('refuses a truncated or padded signature', () => {
      const header = signed['webhook-signature'];
      expect(verify({ ...signed, 'webhook-signature': header.slice(0, -4) })).toEqual(refusal('signature_mismatch'));
      expect(verify({ ...signed, 'webhook-signature': `${header.slice(0, -1)}AAAA` })).toEqual(refusal('signature_mismatch'));
      expect(verify({ ...signed, 'webhook-signature': 'v1,' })).toEqual(refusal('signature_mismatch'));
    });

    it('accepts a timestamp up to the tolerance either way and refuses one beyond it', () => {
      expect(verify({ ...signed }, body, [secret], timestamp + 300)).toEqual(passed('msg_v', timestamp));
      expect(verify({ ...signed }, body, [secret], timestamp - 300)).toEqual(passed('msg_v', timestamp));
      expect(verify({ ...signed }, body, [secret], timestamp + 301)).toEqual(refusal('timestamp_too_old'));
      expect(verify({ ...signed }, body, [secret], timestamp - 301)).toEqual(refusal('timestamp_too_new'));
      const tight = { now: at(timestamp + 11), toleranceSeconds: 10 };
      expect(verifyWebhook({ ...signed }, body, [secret], tight)).toEqual(refusal('timestamp_too_old'));
      expect(verifyWebhook({ ...signed }, body, [secret], { ...tight, toleranceSeconds: 11 })).toEqual(passed('msg_v', timestamp));
    });

    it.each([
      ['a missing id', { 'webhook-id': undefined }, 'missing_header'],
      ['an empty signature', { 'webhook-signature': '' }, 'missing_header'],
      ['a repeated timestamp', { 'webhook-timestamp': [String(timestamp), String(timestamp)] }, 'duplicate_header'],
      ['a timestamp in milliseconds', { 'webhook-timestamp': `${timestamp}000` }, 'malformed_timestamp'],
      ['a signed timestamp', { 'webhook-timestamp': `+${timestamp}` }, 'malformed_timestamp'],
      ['a fractional timestamp', { 'webhook-timestamp': `${timestamp}.0` }, 'malformed_timestamp'],
    ])('refuses %s with its reason', (_, change, reason) => {
      expect(verify({ ...signed, ...change })).toEqual(refusal(reason));
    });

    it('never puts a secret or a signature in a refusal', () => {
      const result = verify({ ...signed }, 'other', [secret]);
      expect(result).toEqual(refusal('signature_mismatch'));
      expect(JSON.stringify(result)).not.toContain(secret.slice(6, 20));
      expect(JSON.stringify(result)).not.toContain(signed['webhook-signature'].slice(3, 20));
    });
  });

  describe('properties', () => {
    const secret = newWebhookSecret();
    const timestamp = 1_700_000_000;
    const now = at(timestamp);
    const id = fc.stringMatching(/^msg_[A-Za-z0-9]{1,32}$/);

    it('verifies whatever body it signed, as bytes or as text', () => {
      fc.assert(
        fc.property(id, fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.string({ unit: 'grapheme', maxLength: 512 })), (msgId, body) => {
          const headers: WebhookHeaders = signWebhook({ id: msgId, timestamp, body }, [secret]);
          expect(verifyWebhook(headers, body, [secret], { now })).toEqual(passed(msgId, timestamp));
        }),
      );
    });

    it('refuses every single-byte change of the body', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 1024 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (body, offset, flip) => {
          const headers = signWebhook({ id: 'msg_p', timestamp, body }, [secret]);
          const changed = Uint8Array.from(body);
          const position = offset % body.length;
          changed[position] = changed[position]! ^ flip;
          expect(verifyWebhook(headers, changed, [secret], { now })).toEqual({ verified: false, reason: 'signature_mismatch' });
        }),
      );
    });
  });
});
