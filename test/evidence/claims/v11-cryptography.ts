import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [
    {
      id: 'V11.2.1',
      claim:
        "Every cipher, hash, MAC, KDF, signature and random value comes from Node's built-in crypto module (OpenSSL), directly or through jsonwebtoken (JWS signing and verifying over Node's crypto, with KeyObjects); passwords are hashed by argon2 (the reference implementation's binding) and TOTP computed by otplib (over the audited @noble/hashes). Nothing is hand-written; a source scan fails on literal names of other ciphers or hashes and on a list of other crypto packages.",
    },
    {
      id: 'V11.2.5',
      claim:
        'A ciphertext that is truncated, altered, moved or sealed under a key that is not loaded fails with one DecryptionError that never says why (AES-GCM has no padding to probe); a vault reveal of it answers a 500 that says nothing and is audited as undecryptable.',
    },
    {
      id: 'V11.3.1',
      claim:
        "The only encryption is AES-256-GCM in `libs/crypto` (no ECB, CBC or IV-less cipher); nothing is encrypted with RSA, so no PKCS#1 v1.5 encryption padding exists (RSASSA-PKCS1-v1_5 signatures do, for the provider's protocol: see V11.6.1). A source scan fails on literal names of other cipher modes or on RSA encryption calls.",
    },
    {
      id: 'V11.3.2',
      claim:
        'Data at rest (vault versions, TOTP secrets, webhook secrets, queued mail) is sealed with AES-256-GCM alone, by the one cipher in `libs/crypto`; a source scan fails on the literal name of any other cipher.',
    },
    {
      id: 'V11.3.3',
      claim:
        'Sealed values are AES-256-GCM with a 128-bit tag over the header (format and key version) and an AAD naming their place (table, column, workspace, environment, secret, version, row id): a flipped bit anywhere, or a ciphertext moved to another row, secret, workspace or environment, does not decrypt.',
    },
    {
      id: 'V11.3.4',
      claim:
        'Every encryption draws a fresh 96-bit IV from the CSPRNG (randomBytes), never a counter or a reused value; the spec seals 100,000 values and finds no IV twice.',
    },
    {
      id: 'V11.4.2',
      claim:
        'Admin passwords are stored as argon2id with m = 19 MiB, t = 2, p = 1 (OWASP and ASVS Appendix C); a hash stored with weaker parameters is replaced at the next successful login.',
    },
    {
      id: 'V11.4.3',
      claim:
        "Integrity and signatures use SHA-256 or stronger: the audit chain links (SHA-256), token and key hashes, HMAC-SHA-256 webhook signatures, ES256 admin tokens, Ed25519 checkpoints, RS256 and RSA-SHA-512 for the custody provider; TOTP's HMAC-SHA-1 needs no collision resistance. A source scan fails on the literal name of any other hash.",
    },
  ],
  unclaimed: [
    {
      ids: ['V11.1.1'],
      why: 'Partly: ADR 0008 documents the master keys’ lifecycle (add, activate, rewrap online, retire once nothing names the old version; tested in key-rewrap.spec.ts) and every key family is versioned, but the policy is not written against NIST SP 800-57: no cryptoperiods, no rotation schedule or compromise procedure for the JWT, pepper, checkpoint and co-signer keys.',
    },
    {
      ids: ['V11.1.2'],
      why: 'Partly: the README’s secrets-directory table lists every key file with its algorithm and purpose, and test/lint/crypto-inventory.spec.ts pins every algorithm the sources use, but no single document states where each key may not be used and which data it may not protect, and TLS certificates are the operator’s (not inventoried here).',
    },
    {
      ids: ['V11.2.2'],
      why: 'Partly: keys and passwords can be replaced and data re-encrypted (every key family is versioned, every ciphertext names its format and key version, `keys:rewrap` moves data online, argon2 hashes with old parameters are replaced at login), but algorithms are fixed in code: swapping a cipher, MAC, signature or hash scheme needs a release.',
    },
    {
      ids: ['V11.2.3'],
      why: 'Partly: keys we make give at least 128 bits of security (AES-256, HMAC-SHA-256 with 256-bit keys, P-256, Ed25519, RSA-3072 from keys:init), but the key loader accepts RSA keys from 2048 bits (112-bit security) for our co-signer response key and the providers’ keys (MIN_RSA_BITS in libs/crypto/src/key-material.ts).',
    },
    {
      ids: ['V11.4.1'],
      why: 'Partly: every hash, HMAC, KDF and signature uses SHA-256 or SHA-512 and no MD5 or SHA-1 hash exists, but TOTP uses HMAC-SHA-1 (RFC 6238’s default, which authenticator apps expect), which ASVS Appendix C rates legacy rather than approved.',
    },
    {
      ids: ['V11.5.1'],
      why: 'Partly: every secret value comes from the CSPRNG (randomBytes): refresh, reset, challenge and CSRF tokens carry 256 bits, API-key secrets 160, TOTP secrets 160, one-time passwords 160 (randomToken refuses fewer than 128), but recovery codes carry 120 bits (15 bytes, apps/api/src/admin-identity/second-factor/recovery-codes.ts), below the 128 required.',
    },
    {
      ids: ['V11.4.4'],
      why: 'Not applicable: no key is derived from a password; master keys, peppers and signing keys are random key files, and the idempotency fingerprint key comes from HKDF-SHA-256 over a random master key.',
    },
    {
      ids: ['V11.6.1'],
      why: 'Not met for the custody provider’s protocols: our own keys sign with approved schemes (ES256 admin tokens, Ed25519 audit checkpoints) and keys:init makes RSA-3072, but the co-signer callback protocol and the Fireblocks API require RS256 and the Fireblocks webhooks RSA-SHA-512, both RSASSA-PKCS1-v1_5, which ASVS Appendix C disallows; PSS is not offered by the provider.',
    },
    {
      ids: ['V11.1.3', 'V11.1.4'],
      why: 'Not met (level 3): the source scan in test/lint/crypto-inventory.spec.ts finds literal algorithm names only, not every cryptographic call, and there is no documented migration plan to post-quantum algorithms.',
    },
    {
      ids: ['V11.2.4'],
      why: 'Not claimed (level 3): secret comparisons use timingSafeEqual over HMACs (constantTimeEqual, webhook signatures, the metrics token) and stored-token look-ups go by hash, but no test measures timing, so nothing proves the absence of short-circuits.',
    },
    {
      ids: ['V11.3.5', 'V11.6.2'],
      why: 'Not applicable (level 3): encryption is AEAD only (no separate encrypt and MAC), and no key exchange happens outside TLS.',
    },
    {
      ids: ['V11.5.2', 'V11.7.1', 'V11.7.2'],
      why: 'Not claimed (level 3): randomness is OpenSSL’s non-blocking CSPRNG, untested under load; there is no memory encryption; plaintext buffers of vault values are zeroed once sealed or read (vault.spec.ts), but JavaScript strings holding them cannot be.',
    },
  ],
};
export default claims;
