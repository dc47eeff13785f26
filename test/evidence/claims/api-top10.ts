import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [
    {
      id: 'API1:2023',
      claim:
        "Objects are reached only within the caller's own workspace and environment, taken from its key, never from the request: another workspace's key, secret, webhook endpoint, delivery or transfer is a 404 even by its id (cursors included), and PostgreSQL row-level security enforces the same rule underneath.",
    },
    {
      id: 'API2:2023',
      claim:
        'Admins sign in with an argon2id password and TOTP, refused with one uniform 401 and limited per account and per address; access tokens are short-lived ES256 JWTs whose signature, header and every claim are checked; API keys carry a checksum, are stored only as a peppered HMAC, refused with the same 401 (a key in the query string included) and refused keys are limited per address.',
    },
    {
      id: 'API3:2023',
      claim:
        'Bodies are validated against DTOs that refuse undeclared fields (no mass assignment of status, ids, workspace, hash or pepper), and answers are built field by field: never a key, its hash or a vault value, which only the audited reveal route with `vault:reveal` returns.',
    },
    {
      id: 'API4:2023',
      claim:
        'Consumption is bounded before work is done: connections in all and per address, a per-address request limit before authentication (CORS preflights included), per-key and per-workspace plan limits with 429 and `Retry-After`, body size and shape caps checked before parsing, per-workspace caps on stored resources such as vault secrets, and bounded database waits. Not bounded: the size of a workspace export (owner-only, step-up, audited; ADR 0028).',
    },
    {
      id: 'API5:2023',
      claim:
        "One gate, every route's first `preHandler`, enforces each route's declaration: admin routes admit only their roles, key routes only keys holding every required scope (the legacy wildcard, an empty scope list, holds all), setup-stage sessions only setup routes, the wrong credential kind gets 401, and an undeclared route is refused; a key grants another key only scopes it holds, and an admin (not an owner) cannot grant audit:read or vault:reveal.",
    },
    {
      id: 'API6:2023',
      claim:
        "The flows worth automating against are bounded by the server whatever the caller: each workspace's cosigner policy caps what a window may approve, exactly, across instances racing the same window, and vault reveals are limited per key and per vault.",
    },
    {
      id: 'API7:2023',
      claim:
        "The only user-supplied URLs, workspaces' webhook endpoints, are refused when they name or resolve to loopback, private, CGNAT, unique-local or cloud-metadata addresses, at registration and update and again before each attempt; redirects are never followed.",
    },
    {
      id: 'API8:2023',
      claim:
        'Production refuses to start with development settings; every answer carries HSTS, `nosniff`, a strict CSP, `no-referrer` and `no-store`; CORS answers configured origins only; errors never carry a stack, SQL or secret; TRACE and other undeclared methods are refused; the OpenAPI docs are off in production unless enabled.',
    },
    {
      id: 'API9:2023',
      claim:
        "The API's inventory is kept and checked: the committed OpenAPI document (`apps/api/openapi.json`) is rendered from the running application's routes and must equal that rendering byte for byte (a spec fails otherwise), every operation with a summary, a stable operationId, its authentication, problems and rate limits; there is one version (`/v1`); the OpenAPI page and documents are off in production unless `DOCS_ENABLED`. The hosts, environments and integrated services are described in docs/architecture.md and ADR 0024, not checked by a test.",
    },
    {
      id: 'API10:2023',
      claim:
        "What third parties send is verified and bounded before it is trusted: provider webhooks are checked by signature on the raw bytes before parsing and capped in size; odd but signed events cannot move a transfer the policy did not approve; provider API answers that fail, time out or cannot be read leave the transfer for a later submission; webhook sinks' answers are read up to 64 KiB and their redirects never followed.",
    },
  ],
  unclaimed: [],
};
export default claims;
