import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT, shippedSources } from '../support/source-files';

/** One use of a cryptographic primitive, as `kind:algorithm`, with the file it is in. */
interface Use {
  readonly file: string;
  readonly use: string;
}

const PATTERNS: readonly [string, RegExp][] = [
  ['cipher', /\bcreate(?:Cipheriv|Decipheriv)\s*\(\s*'([^']+)'/g],
  ['cipher-without-iv', /\bcreate(?:Cipher|Decipher)\s*\(()/g],
  ['rsa-encryption', /\b(publicEncrypt|privateDecrypt|privateEncrypt|publicDecrypt)\s*\(/g],
  ['hash', /\b(?:createHash|hash)\s*\(\s*'([^']+)'/g],
  ['hmac', /\bcreateHmac\s*\(\s*'([^']+)'/g],
  ['kdf', /\b(?:hkdfSync|hkdf|pbkdf2Sync|pbkdf2|scryptSync|scrypt)\s*\(\s*'?([\w-]*)'?/g],
  ['signature', /\b(?:sign|verify)\s*\(\s*(null|'[^']+')\s*,/g],
  ['jwt', /\balgorithms?\s*:\s*\[?\s*'([A-Z]{2}\d{3}|EdDSA)'/g],
  ['otp', /\balgorithm\s*:\s*'(sha\d+)'/g],
  ['sql-hash', /\b(md5|sha1|sha224|sha256|sha384|sha512|digest)\s*\(/g],
  [
    'package',
    /(?:from|require\()\s*'(crypto-js|node-forge|tweetnacl|elliptic|bcrypt|bcryptjs|md5|sha1|js-sha256|jsrsasign|jose|@noble\/[\w-]+)'/g,
  ],
];

/** Every use the patterns find in `text`, named `kind:algorithm`. */
function usesIn(file: string, text: string): Use[] {
  const sql = file.endsWith('.sql');
  return PATTERNS.filter(([kind]) => (kind === 'sql-hash') === sql).flatMap(([kind, pattern]) =>
    [...text.matchAll(pattern)].map((match) => ({ file, use: `${kind}:${(match[1] ?? '').replace(/'/g, '')}` })),
  );
}

/** The distinct uses, each with the files it is in. */
function inventory(uses: readonly Use[]): Record<string, string[]> {
  const byUse: Record<string, string[]> = {};
  for (const { file, use } of uses) byUse[use] = [...new Set([...(byUse[use] ?? []), file])].sort();
  return Object.fromEntries(Object.entries(byUse).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * What cryptography the shipped sources use, found in the text: a new cipher, hash, MAC,
 * signature scheme or crypto package fails this spec until it is reviewed and added here.
 */
describe('the cryptography the sources use', () => {
  const uses = shippedSources().flatMap((path) => usesIn(relative(ROOT, path), readFileSync(path, 'utf8')));
  const found = inventory(uses);
  const where = (use: string): string[] => found[use] ?? [];

  it('encrypts with AES-256-GCM alone, in the cipher of libs/crypto only: no other mode, no IV-less cipher, no RSA encryption [V11.2.1 V11.3.1 V11.3.2]', () => {
    expect(Object.keys(found).filter((use) => use.startsWith('cipher') || use.startsWith('rsa-encryption'))).toEqual([
      'cipher:aes-256-gcm',
    ]);
    expect(where('cipher:aes-256-gcm')).toEqual(['libs/crypto/src/aes-gcm-cipher.ts']);
  });

  it('hashes, MACs and derives keys with SHA-256 (the audit chain too), signs with ES256, Ed25519 and the providers’ RSA schemes, and uses no other crypto package [V11.2.1 V11.4.3]', () => {
    const kinds = (prefixes: string[]) => Object.keys(found).filter((use) => prefixes.some((prefix) => use.startsWith(`${prefix}:`)));
    expect(kinds(['hash', 'hmac', 'kdf'])).toEqual(['hash:sha256', 'hmac:sha256', 'kdf:sha256']);
    expect(kinds(['sql-hash'])).toEqual(['sql-hash:sha256']);
    // ES256 is ACCESS_TOKEN_ALGORITHM (admin tokens); RS256 and RSA-SHA512 are the custody provider's protocols.
    expect(kinds(['jwt', 'signature'])).toEqual(['jwt:RS256', 'signature:null', 'signature:sha512']);
    expect(where('signature:null')).toEqual(['apps/api/src/audit/checkpoints/checkpoint-keys.ts']);
    expect(where('signature:sha512')).toEqual(['apps/api/src/providers/fireblocks/fireblocks-webhook.ts']);
    // HMAC-SHA-1 for TOTP (RFC 6238's default, which authenticator apps expect), there only.
    expect(kinds(['otp'])).toEqual(['otp:sha1']);
    expect(where('otp:sha1')).toEqual(['apps/api/src/admin-identity/second-factor/totp.ts']);
    expect(kinds(['package'])).toEqual([]);
  });

  it('finds what it looks for (the check can fail)', () => {
    const planted = inventory([
      ...usesIn('x.ts', "createCipheriv('aes-128-ecb', k, null); publicEncrypt(k, b); createHash('md5'); import x from 'crypto-js';"),
      ...usesIn('x.sql', 'SELECT md5(x)'),
    ]);
    expect(Object.keys(planted)).toEqual([
      'cipher:aes-128-ecb',
      'hash:md5',
      'package:crypto-js',
      'rsa-encryption:publicEncrypt',
      'sql-hash:md5',
    ]);
  });
});
