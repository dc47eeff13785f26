import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [
    {
      id: 'V8.1.1',
      claim:
        "The authorization rules are written down: docs/routes.md gives each route's roles or scopes, docs/architecture.md (\"Tenancy, twice\") the data rule (a workspace's rows are reached only through its own key, and RLS enforces it again), and the reviewed inventory of every route's declaration (who may call it, and what it audits) is committed: a spec fails when a route's declaration differs from it.",
    },
    {
      id: 'V8.2.1',
      claim:
        "Every route declares who may call it (`@Public`, `@AdminRoles`, `@Scopes`, `@ProviderSigned`) and one gate, each route's first `preHandler`, enforces it: an admin route admits only the roles it names (403 `INSUFFICIENT_ROLE`), a key route only keys holding every scope it requires (403 `INSUFFICIENT_SCOPE`; a key with an empty scope list, the legacy wildcard kept for imported keys, holds every scope), a setup-stage session only the setup routes, the wrong kind of credential gets 401, and a route that declares nothing is refused. A key grants another key only scopes it holds itself.",
    },
    {
      id: 'V8.2.2',
      claim:
        "A key's workspace and environment come from the key itself, never from a path, query or body; every tenant query is scoped by them, so another workspace's (or environment's) key, secret, endpoint, delivery or transfer is a 404 even by its id, and nothing changes there; PostgreSQL row-level security holds the same rule underneath.",
    },
    {
      id: 'V8.2.3',
      claim:
        "Request bodies are checked against DTOs that refuse any field they do not declare (400), so a caller cannot write a property its route does not offer (a workspace's status or id, a key's workspace, hash or pepper); answers are built field by field and never carry a key, its hash, or a vault value, which leaves only through the reveal route and its `vault:reveal` scope.",
    },
    {
      id: 'V8.3.1',
      claim:
        'Authorization is decided on the server by the access gate from the verified credential alone, never by the console: every admin and key route refuses a caller without the role or scopes it declares, and a route that declares nothing is refused, however the request is made.',
    },
    {
      id: 'V8.4.1',
      claim:
        "Tenants are isolated twice: in the code by the principal's workspace and environment, and in PostgreSQL by forced row-level security on every tenant table, keyed on `app.workspace_id` and `app.environment` set per transaction, for an app role that owns no table and cannot bypass RLS; the app refuses to serve through a connection that could.",
    },
  ],
  unclaimed: [
    {
      ids: ['V8.1.2'],
      why: 'Not met as documentation: field-level rules are enforced (DTO whitelists, answers without secret fields, vault values behind `vault:reveal`) but no document states them per field, role and state.',
    },
  ],
};
export default claims;
