import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [
    {
      id: 'V4.1.3',
      claim:
        'X-Forwarded-For is believed only from the addresses in TRUSTED_PROXIES; from anyone else the client address is the socket peer, so a client cannot choose the address that limits, audit rows and the loopback-only /metrics see.',
    },
    {
      id: 'V4.1.4',
      claim:
        'Only the methods a route declares reach it: another method on a known path is a 405 with Allow (TRACE, PROPFIND, OPTIONS without a preflight and the like included), and a method Node does not know, or CONNECT, is a 501 before routing.',
    },
    {
      id: 'V4.1.5',
      claim:
        "Messages between systems are signed beside TLS: each outbound webhook carries a Standard Webhooks HMAC signature over its id, timestamp and body; the cosigner's answers are JWTs signed with our RS256 key; provider callbacks and inbound events are refused unless their signature over the exact bytes verifies.",
    },
  ],
  unclaimed: [
    {
      ids: ['V4.2.1'],
      why: "Partly: the application's HTTP server (Node's parser) refuses a request with both Content-Length and Transfer-Encoding: chunked, and malformed chunking, with a 400 and closes the connection (tested); the nginx the compose file ships for scale-out is not tested for the same, and the operator's load balancers are theirs.",
    },
    {
      ids: ['V4.1.1'],
      why: "Partly: the API's own answers name their type with charset=utf-8 (JSON, problems, metrics, the console page and assets, the CSV export; test/e2e/http-boundary.spec.ts), but the Swagger UI page at /docs, served when DOCS_ENABLED (by default outside production), answers text/html without a charset.",
    },
    {
      ids: ['V4.1.2'],
      why: 'Not applicable to the application: it answers plain HTTP behind the TLS-terminating proxy an operator provides, and never answers with a redirect (HTTP to HTTPS or any other). Whether that proxy redirects the console, and only the console, is deployment configuration the Helm chart does not include.',
    },
    {
      ids: ['V4.3'],
      why: 'Not applicable: Ringfence has no GraphQL; the API is REST over JSON (apps/api/openapi.json).',
    },
    {
      ids: ['V4.4'],
      why: 'Not applicable: Ringfence opens no WebSocket; the console and every client use HTTPS requests only.',
    },
  ],
};
export default claims;
