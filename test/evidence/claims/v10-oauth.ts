import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [],
  unclaimed: [
    {
      ids: ['V10'],
      why: 'Not applicable: Ringfence is neither an OAuth client, an authorization server, a resource server in the OAuth sense, nor an OpenID provider or relying party. Admins sign in to Ringfence itself and get first-party tokens (an RFC 9068-shaped access JWT and a rotating refresh token, claimed under V7 and V9); workspace integrations use API keys; provider APIs are called with their own signed-request schemes. No grant, client registration, consent or ID token exists.',
    },
  ],
};
export default claims;
