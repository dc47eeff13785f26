import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { vectorSections } from '../../../../../test/support/cosigner-conformance';
import { parseWebhookSecret, signWebhook, verifyWebhook } from './standard-webhooks';

const page = readFileSync(join(__dirname, '..', '..', '..', '..', '..', 'docs', 'conformance', 'webhooks.md'), 'utf8');
const sections = vectorSections(page);
const block = (id: string, label: string): string => {
  const text = sections.find((section) => section.id === id)?.blocks.get(label)?.text;
  if (text === undefined) throw new Error(`docs/conformance/webhooks.md: "${id}" has no block "${label}"`);
  return text;
};
const vectors = sections.filter(({ group }) => group === 'Vectors').map(({ id }) => id);

describe('the webhook signing conformance vectors (docs/conformance/webhooks.md), reproduced by the code', () => {
  it('publishes the specification example and one of ours marked TEST ONLY', () => {
    expect(vectors).toEqual(['published', 'ringfence-event']);
    expect(sections.find(({ id }) => id === 'ringfence-event')?.title).toContain('TEST ONLY');
  });

  it('keeps the published vector as the specification writes it', () => {
    expect(['secret', 'webhook-id', 'webhook-timestamp', 'body', 'webhook-signature'].map((label) => block('published', label))).toEqual([
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      '1614265330',
      '{"test": 2432232314}',
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    ]);
  });

  it('describes our own key as the page says: 40 ASCII bytes, and a body with a non-ASCII character', () => {
    expect(parseWebhookSecret(block('ringfence-event', 'secret')).toString('latin1')).toBe('ringfence webhook conformance TEST ONLY!');
    expect(Buffer.byteLength(block('ringfence-event', 'body'))).toBe(block('ringfence-event', 'body').length + 1);
  });

  it.each(['published', 'ringfence-event'])('%s: signed with the exact header values, verified by us and by the library', (id) => {
    const secret = block(id, 'secret');
    const body = block(id, 'body');
    const headers = {
      'webhook-id': block(id, 'webhook-id'),
      'webhook-timestamp': block(id, 'webhook-timestamp'),
      'webhook-signature': block(id, 'webhook-signature'),
    };
    const timestamp = Number(headers['webhook-timestamp']);
    expect(signWebhook({ id: headers['webhook-id'], timestamp, body }, [secret])).toEqual(headers);
    expect(signWebhook({ id: headers['webhook-id'], timestamp, body: Buffer.from(body, 'utf8') }, [secret])).toEqual(headers);
    expect(verifyWebhook(headers, body, [secret], { now: new Date(timestamp * 1000) })).toEqual({
      verified: true,
      id: headers['webhook-id'],
      timestamp,
    });
    expect(new Webhook(secret).sign(headers['webhook-id'], new Date(timestamp * 1000), body)).toBe(headers['webhook-signature']);
  });
});
