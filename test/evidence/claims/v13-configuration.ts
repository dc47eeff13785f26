import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [
    {
      id: 'V13.1.1',
      claim:
        "Every connection Ringfence makes is configured by an environment variable (PostgreSQL, Redis, SMTP, the custody provider's API, the OTLP collector), and the README's Configuration table lists every variable the service reads (a spec fails on a missing one); the only destinations users supply, workspaces' webhook endpoints, are documented with their SSRF guard (ADR 0021).",
    },
    {
      id: 'V13.2.2',
      claim:
        'The app connects as `ringfence_app`, which owns no table, cannot bypass row-level security, may only append to the audit log and change only the columns it must (migrations run as the owner role); the app refuses a connection that could bypass RLS; the image runs as the non-root user `node`.',
    },
    {
      id: 'V13.3.2',
      claim:
        "Key files are readable by the service's own user only: the loader refuses a file readable by group or others or owned by another user, and a secrets directory owned by another user or writable by others; the image makes the mount point 0700 for that user.",
    },
    {
      id: 'V13.4.1',
      claim:
        "The image carries no source control metadata (`.git` is outside the build context; the runtime stage copies the built `dist`, production `node_modules`, `package.json` and `bin` only), and the console's static serving answers no dotfile and nothing outside its bundle.",
    },
    {
      id: 'V13.4.2',
      claim:
        'Production refuses development settings (the embedded database, generated keys, the simulator provider, file mail, the default console URL), turns the OpenAPI docs off and `/metrics` off without a token, and logs JSON; errors never carry a stack in any mode.',
    },
    {
      id: 'V13.4.3',
      claim:
        "No path lists a directory: the console's files are served one route each (`index` and wildcard off), and `/console/assets/` answers a problem.",
    },
    {
      id: 'V13.4.4',
      claim: 'TRACE (like every method a route does not declare) is answered 405 `METHOD_NOT_ALLOWED` as a problem, never echoed.',
    },
    {
      id: 'V13.4.5',
      claim:
        'The OpenAPI page and documents are off in production unless `DOCS_ENABLED` (then 404); `/metrics` answers 404 in production without `METRICS_TOKEN`, only the bearer token with one, and only loopback clients in development.',
    },
  ],
  unclaimed: [
    {
      ids: ['V13.2.1'],
      why: "Partly: the custody provider's API is called with a JWT signed per call, and provider callbacks and inbound webhooks are verified by signature; but PostgreSQL, Redis and SMTP are reached with the long-lived password in their URL.",
    },
    {
      ids: ['V13.2.3'],
      why: 'Partly: Ringfence itself ships no credential (production refuses to start without its own database URL, secrets directory and SMTP relay, makes no admin by itself, and `admin:create` prints a random one-time password the first login replaces); but docker-compose.yml falls back to fixed local database passwords (`app-local-only`, `owner-local-only`, `postgres-local-only`) when the environment sets none, and nothing refuses them.',
    },
    {
      ids: ['V13.2.4', 'V13.2.5'],
      why: "Partly: the services Ringfence calls are fixed by its configuration, but workspaces' webhook endpoints may be any public https URL (on allowed ports): the SSRF guard refuses internal, private and metadata addresses at registration and before each attempt (a denylist), not an allowlist of destinations.",
    },
    {
      ids: ['V13.3.1'],
      why: 'Partly: key material lives only in the host secrets directory (made by `keys:init`, 0700/0600, owner and link checks at boot, a Kubernetes Secret in the chart; a KMS can supply the keyring through the `KeyProvider` port) and never in source (secret scan) or the image; but storing, rotating and destroying those files is left to the host or orchestrator, and the database, Redis and SMTP passwords travel in environment variables.',
    },
  ],
};
export default claims;
