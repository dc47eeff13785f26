import { AuditSealer } from '@ringfence/audit';
import { createPublicKey, verify } from 'node:crypto';
import { checkpointPayload, SignedCheckpoint } from '../../apps/api/src/audit/checkpoints/checkpoint-format';
import { TestAdmin } from '../support/admin-session';
import { TestKey } from '../support/api-key';
import { TEST_CHECKPOINT_KEY } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

interface Page {
  items: SignedCheckpoint[];
  nextCursor: string | null;
}

/** GET /v1/audit/checkpoints (auditor, owner) and its public keys (public), over heads the real sealer signed. */
describe('audit checkpoints (/v1/audit/checkpoints)', () => {
  const t = useTestApp();
  let auditor: TestAdmin;
  let owner: TestAdmin;
  let admin: TestAdmin;
  let reader: TestKey;

  beforeAll(async () => {
    [auditor, owner, admin] = [await t.newAdmin('auditor'), await t.newAdmin('owner'), await t.newAdmin('admin')];
    reader = await t.newKey({ scopes: ['audit:read'], by: owner });
    for (let turn = 0; turn < 3; turn += 1) {
      await t.superuser.query(
        `INSERT INTO audit_log (actor_type, actor_id, action, outcome) VALUES ('system', 'spec', 'spec.event', 'success')`,
      );
      await t.app.get(AuditSealer).sealAll(0);
    }
  });

  const list = (headers: Record<string, string>, query: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: '/v1/audit/checkpoints', headers, query });

  it('lists the signed heads to auditors and owners, newest first, keyset paged; each verifies under the published key', async () => {
    const first = await list(auditor.headers, { limit: '2' });
    expect(first.statusCode).toBe(200);
    const page = first.json<Page>();
    expect(page.items).toHaveLength(2);
    expect(page.items[0]!.seq).toBeGreaterThan(page.items[1]!.seq);
    const second = (await list(owner.headers, { limit: '2', cursor: page.nextCursor! })).json<Page>();
    expect(second.items[0]!.seq).toBeLessThan(page.items[1]!.seq);

    const keys = await t.app.inject({ method: 'GET', url: '/v1/audit/checkpoints/public-keys' });
    expect(keys.statusCode).toBe(200);
    const published = keys.json<{ version: number; publicKey: string; active: boolean }[]>();
    expect(published).toEqual([
      { version: 1, publicKey: createPublicKey(TEST_CHECKPOINT_KEY).export({ type: 'spki', format: 'pem' }), active: true },
    ]);
    for (const checkpoint of [...page.items, ...second.items]) {
      const key = createPublicKey(published.find((entry) => entry.version === checkpoint.keyVersion)!.publicKey);
      expect(verify(null, checkpointPayload(checkpoint), key, Buffer.from(checkpoint.signature, 'base64url'))).toBe(true);
    }
    expect((await list(auditor.headers, { cursor: 'bm90LWEtY3Vyc29y' })).statusCode).toBe(400);
  });

  it('refuses other admins (403) and API keys, even with audit:read (401); the public keys need no credential', async () => {
    const refused = await list(admin.headers);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'INSUFFICIENT_ROLE' });
    // An admin-only route: an API key, whatever its scopes, is not a credential it takes.
    expect((await list(reader.headers)).json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect((await list({})).statusCode).toBe(401);
  });
});
