'use strict';
/**
 * Load scenarios. Each runs against the built app and is reported as a ratio to the bare
 * Fastify baseline measured in the same run. Later issues add theirs here.
 * `target`: the minimum ratio the issue that added the scenario asks for.
 * `prepare(fixtures)`: optional; returns extra autocannon options (headers, bodies).
 * `pipeline`: one of the shared pipeline's three routes (issue 14); `BENCH_ONLY=pipeline` runs these only.
 */
const vault = require('./vault');

const LOGIN_ACCOUNTS = 150;

module.exports = [
  { name: 'GET /health/live', method: 'GET', path: '/health/live', baselinePath: '/health/live', target: 0.6, pipeline: true },
  {
    name: 'GET /v1/auth/me (admin JWT, session checked)',
    method: 'GET',
    path: '/v1/auth/me',
    baselinePath: '/health/live',
    target: 0.5,
    pipeline: true,
    prepare: async ({ ownerToken }) => ({ headers: { authorization: `Bearer ${ownerToken}` } }),
  },
  {
    // Run again with API_KEY_CACHE_MS=0 for the figure without the verified-key cache.
    name: 'GET /v1/workspace (API key)',
    method: 'GET',
    path: '/v1/workspace',
    baselinePath: '/health/live',
    target: 0.5,
    pipeline: true,
    prepare: async ({ workspaceKey }) => ({ headers: { authorization: `Bearer ${await workspaceKey()}` } }),
  },
  {
    // Issue 6: each request seals a new 200-character secret; keys of 20 workspaces in turn
    // (creates queue per vault for its secret count).
    name: 'POST /v1/vault/secrets (create, audited)',
    method: 'POST',
    path: '/v1/vault/secrets',
    baselinePath: '/health/live',
    prepare: async ({ vaultKeys }) => vault.createRequests(await vaultKeys()),
  },
  {
    name: 'POST /v1/vault/secrets/:name/reveal (audited, limited per key)',
    method: 'POST',
    path: '/v1/vault/secrets/bench-revealed/reveal',
    baselinePath: '/health/live',
    prepare: async ({ appUrl, vaultKeys }) => vault.revealRequest(appUrl, (await vaultKeys())[0]),
  },
  {
    // Real limits stay on (10 per account per 15 min, 20 per IP per minute): the load spreads
    // over many accounts and client addresses, as a trusted proxy would report them.
    name: 'POST /v1/auth/login (argon2id m=19 MiB t=2 p=1)',
    method: 'POST',
    path: '/v1/auth/login',
    baselinePath: '/health/live',
    absolute: true,
    prepare: async ({ loginAccounts }) => {
      const accounts = await loginAccounts(LOGIN_ACCOUNTS);
      return rotatingLogins('10.1', (n) => accounts[n % accounts.length]);
    },
  },
  {
    // The miss branch: unknown emails pay a dummy argon2 verification, so their rate should
    // match the hit branch's above (a timing side channel would show as a different rate).
    name: 'POST /v1/auth/login, unknown emails (miss branch)',
    method: 'POST',
    path: '/v1/auth/login',
    baselinePath: '/health/live',
    absolute: true,
    expectStatus: 401,
    prepare: async () =>
      rotatingLogins('10.200', (n) => ({ email: `nobody-${n}@example.com`, password: 'a wrong password of a usual length' })),
  },
];

/** autocannon options for logins that rotate credentials and client addresses (`<two octets>.x.y`). */
function rotatingLogins(addressPrefix, credentialsFor) {
  let next = 0;
  return {
    requests: [
      {
        method: 'POST',
        path: '/v1/auth/login',
        setupRequest: (request) => {
          const n = (next += 1);
          const { email, password } = credentialsFor(n);
          return {
            ...request,
            headers: { 'content-type': 'application/json', 'x-forwarded-for': `${addressPrefix}.${(n >> 8) & 255}.${n & 255}` },
            body: JSON.stringify({ email, password }),
          };
        },
      },
    ],
  };
}
