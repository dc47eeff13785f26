import { randomBytes } from 'node:crypto';
import { MasterKeyRewrap } from '../../apps/api/src/master-key-rewrap/master-key-rewrap';
import { WebhookDeliveryWorker } from '../../apps/api/src/webhooks/delivery/webhook-delivery-worker';
import type { TestKey } from '../support/api-key';
import type { TestApp } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';
import { loopbackSinks, startWebhookSink, verifiedBy, WebhookSink } from '../support/webhook-sink';

const V1 = randomBytes(32).toString('base64');
const V2 = randomBytes(32).toString('base64');

/**
 * An endpoint's secrets under a master key rotation: `keys:rewrap` moves the current and the
 * previous secret to the new key, and an instance that holds the new key alone still signs
 * with both, each as the receiver knows it.
 */
describe('webhook secrets under keys:rewrap', () => {
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink();
  });
  afterAll(() => sink.close());
  const withSink = (config: Parameters<typeof loopbackSinks>[0]) => loopbackSinks(config, [sink.port]);
  const before = useTestApp({ secretFiles: { 'master.v1.key': V1 }, env: { RINGFENCE_ROLE: 'api' }, configure: withSink });

  it('moves both secrets, and the new key alone signs with both', async () => {
    const admin = await before.newAdmin('owner');
    const key: TestKey = await before.newKey({ scopes: ['webhooks:read', 'webhooks:write'], by: admin });
    const send = (t: TestApp, method: 'POST', url: string, payload: Record<string, unknown> = {}) =>
      t.app.inject({ method, url, headers: key.headers, payload });
    const created = await send(before, 'POST', '/v1/webhooks/endpoints', { url: sink.url() });
    const { id, secret: first } = created.json<{ id: string; secret: string }>();
    const { secret: second } = (await send(before, 'POST', `/v1/webhooks/endpoints/${id}/rotate-secret`)).json<{ secret: string }>();

    const rewrapper = await before.another({
      secretFiles: { 'master.v1.key': V1, 'master.v2.key': V2 },
      env: { MASTER_KEY_ACTIVE_VERSION: '2', RINGFENCE_ROLE: 'api' },
      configure: withSink,
    });
    await rewrapper.app.get(MasterKeyRewrap).rewrapAll(10);
    const counts = (await rewrapper.app.get(MasterKeyRewrap).counts()).filter((count) => count.column.startsWith('webhook_endpoints.'));
    expect(counts.map(({ column, version, count }) => [column, version, count]).sort()).toEqual([
      ['webhook_endpoints.sealed_previous_secret', 2, 1],
      ['webhook_endpoints.sealed_secret', 2, 1],
    ]);

    // The test app writes a fresh random `master.v1.key` of its own: the real v1 is gone.
    const retired = await before.another({
      secretFiles: { 'master.v2.key': V2 },
      env: { MASTER_KEY_ACTIVE_VERSION: '2', RINGFENCE_ROLE: 'api' },
      configure: withSink,
    });
    expect((await send(retired, 'POST', `/v1/webhooks/endpoints/${id}/test`)).statusCode).toBe(202);
    expect(await retired.app.get(WebhookDeliveryWorker).deliverDue()).toMatchObject({ delivered: 1, failed: 0 });
    expect(sink.received).toHaveLength(1);
    expect(verifiedBy(first, sink.received[0]!)).toMatchObject({ type: 'webhook.test' });
    expect(verifiedBy(second, sink.received[0]!)).toMatchObject({ type: 'webhook.test' });
  });
});
