import type { ClaimSet } from '../model';

/**
 * ASVS 5.0.0 V9 Self-contained Tokens. Ringfence verifies two kinds: its own admin access
 * tokens (ES256 JWT, ADR 0004 "Access tokens") and the custody provider's co-signer callbacks
 * (RS256 JWS, apps/api/src/cosigner/protocol/callback-token.ts). It signs co-signer answers and
 * provider API requests with keys of their own.
 */
const claims: ClaimSet = {
  claims: [
    {
      id: 'V9.1.1',
      claim:
        "An admin access token is accepted only if its ES256 signature verifies under one of our own signing keys, and a co-signer callback only if its RS256 signature verifies under the provider's configured key, before anything reads their contents; a flipped bit, an edited payload or another key is refused.",
    },
    {
      id: 'V9.1.2',
      claim:
        'Each token has a one-algorithm allowlist: ES256 for admin access tokens, RS256 for co-signer callbacks. `none`, HS256 keyed with the public key and any other algorithm are refused.',
    },
    {
      id: 'V9.1.3',
      claim:
        "Verification keys come only from the secrets directory (our `jwt-signing.vN.pem`, the provider's configured keys): a `kid` must name one of them, and a key offered by the token (`jwk`, `jku`, `x5u`) is never used; co-signer callbacks carrying such a header are refused outright.",
    },
    {
      id: 'V9.2.1',
      claim:
        'exp and nbf are enforced on both kinds of token; an admin access token must also carry an iat at most 30 seconds ahead and an exp no more than ACCESS_TOKEN_TTL_SECONDS after it.',
    },
    {
      id: 'V9.2.2',
      claim:
        'An admin access token must carry `typ: at+jwt` (RFC 9068) and the sub, sid and jti claims; a refresh token, or a JWT of another type, is refused as an access token.',
    },
    {
      id: 'V9.2.3',
      claim:
        "Admin access tokens must carry `aud: ringfence-admin` and `iss: ringfence`; any other audience or issuer is refused. Co-signer callbacks, whose protocol has no audience claim, verify only under the keys configured for that provider's callback route.",
    },
    {
      id: 'V9.2.4',
      claim:
        'The admin signing key issues one kind of token only, admin access tokens, each with `aud: ringfence-admin`; co-signer answers and provider API requests are signed with keys of their own.',
    },
  ],
  unclaimed: [],
};
export default claims;
