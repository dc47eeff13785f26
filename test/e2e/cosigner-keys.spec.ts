import { CosignerKeys } from '../../apps/api/src/cosigner/protocol/cosigner-keys';
import { TEST_SIMULATOR_PRIVATE_KEY } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

/** A PEM's base64 body, joined: what would show if any of it reached a log or an answer. */
const pemBody = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

/** The cosigner's key material as the app loads it at boot: our response key, each configured provider's public keys. */
describe('cosigner keys', () => {
  const t = useTestApp();

  it('loads the keys at boot and logs which response key signs, and nothing of any key', () => {
    const keys = t.app.get(CosignerKeys);
    expect(keys.providers).toEqual(['simulator']);
    const loaded = t.logs.filter((line) => line.msg === 'cosigner keys loaded');
    expect(loaded).toEqual([expect.objectContaining({ context: 'Cosigner', cosigner: { responseKid: 'v1', providers: ['simulator'] } })]);
    const responsePrivate = keys.signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const logs = t.rawLogs();
    expect(logs).not.toMatch(/BEGIN|PRIVATE/);
    for (const pem of [responsePrivate, TEST_SIMULATOR_PRIVATE_KEY]) expect(logs).not.toContain(pemBody(pem).slice(0, 48));
  });
});
