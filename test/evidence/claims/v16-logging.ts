import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [
    {
      id: 'V16.2.1',
      claim:
        'Every audit row records when (the database’s clock), who (actor type and id), what (action, target, outcome, reason, before and after), where (client IP, user agent, workspace) and the request ids; every request’s log line names method, route pattern, status, duration, request id and actor.',
    },
    {
      id: 'V16.2.4',
      claim:
        'Log lines are JSON, one object per line (pino), with fixed field names; audit rows export as NDJSON or CSV with a header, so a log processor reads both without parsing free text.',
    },
    {
      id: 'V16.2.5',
      claim:
        "Passwords, codes, tokens, keys and vault values never reach a log line, an audit row or an exported trace span: requests are logged without bodies, headers or URLs, secret-named fields are censored at any depth (a failed query's bound parameters too), each resource declares the audit fields it redacts, and spans lose their query strings and secret-named attributes before any exporter sees them.",
    },
    {
      id: 'V16.3.1',
      claim:
        'Every admin sign-in step is audited with its real outcome (unknown email, wrong password, disabled, rate-limited, a wrong or replayed code, success with the factor used), every refused API key with its reason, and a request a key authenticates carries the key’s id on its log line.',
    },
    {
      id: 'V16.3.2',
      claim:
        "A valid caller refused for its role or scope, or for a stale second factor or an unfinished setup, is audited in its own transaction (`auth.authorize`, denied, with the reason, the route, the actor and the workspace), so the refusal outlives the failed request. A request for another workspace's object is a 404, not a security event.",
    },
    {
      id: 'V16.3.4',
      claim:
        'An unexpected error is logged once at error level with its request id; a database outage is logged once as it starts and once as it ends; a sealed value that does not decrypt writes a failure audit row (`undecryptable`) that survives the rollback.',
    },
    {
      id: 'V16.4.1',
      claim:
        'Log lines are JSON-encoded by pino, so a control character in logged data cannot split a line; audit rows keep hostile text (a user agent with CR/LF) as bounded data.',
    },
    {
      id: 'V16.4.2',
      claim:
        "The audit log, where every security event is written, refuses UPDATE, DELETE and TRUNCATE from the app role and from a superuser's plain statements (triggers); a superuser who turns the triggers off can change rows, and that change is found by the hash chain and by the Ed25519-signed heads exported outside the database (`npm run audit:verify -- --checkpoints`). Only auditors, owners and audit:read keys (their own workspace) read it. Request lines go to stdout, kept by the operator's collector.",
    },
    {
      id: 'V16.5.1',
      claim:
        'Every error is an RFC 9457 problem with a catalogued code and the request id; an unexpected one is a bare 500 INTERNAL with no message, stack, SQL or secret, whatever the router or HTTP parser met.',
    },
    {
      id: 'V16.5.2',
      claim:
        'When PostgreSQL is gone every route answers 503 DATABASE_UNAVAILABLE with Retry-After (never a 500 or a hang); when Redis is unreachable the limits answer 503 rather than no limit; a provider that fails or times out leaves the transfer to be submitted again.',
    },
    {
      id: 'V16.5.3',
      claim:
        'Failures close: a co-signer decision that cannot be made answers RETRY and then REJECT, never APPROVE; a vault value leaves only once its audit row is written (otherwise a 500 without it); a mutation that fails leaves neither its change nor its audit row; limits whose storage is unreachable refuse (503) rather than let requests through; a stopping process finishes the requests in flight and lets running jobs end between steps, then closes the pool.',
    },
  ],
  unclaimed: [
    {
      ids: ['V16.1.1', 'V16.2.3'],
      why: 'Partly: ADR 0023 (request lines, metrics, traces), ADR 0007 and the README’s "Audit log" (the audit table, its retention and readers) and ADR 0027 (checkpoints) describe what is logged and where, but there is no single log inventory stating for each layer the storage, access and retention of every log, and the stdout lines’ retention is the operator’s; so nothing holds the destinations to an inventory.',
    },
    {
      ids: ['V16.2.2'],
      why: 'Partly: audit times come from the database’s clock (the app cannot set them), are stored as timestamptz and answered in UTC, and log lines carry epoch milliseconds, but the hosts’ clock synchronization (NTP) is the operator’s and nothing checks it.',
    },
    {
      ids: ['V16.3.3'],
      why: 'Partly: the security events the README lists are audited (refused logins and keys, refresh reuse, wrong codes, insufficient scope, rate-limited credential attempts and reveals, reads of the log), but other refusals (invalid input, the per-address limit, unknown routes) leave only their request line and a metric, not a security event.',
    },
    {
      ids: ['V16.5.4'],
      why: 'Partly (level 3): one exception filter catches whatever a route throws, answers 500 INTERNAL and logs it once with its request id (tested), but no process-wide handler (process.on unhandledRejection or uncaughtException) catches an error that escapes both a request and the job runner; Node ends the process on one.',
    },
    {
      ids: ['V16.4.3'],
      why: 'Partly: signed audit checkpoints are exported outside the database (a directory the database’s administrators should not write, ADR 0027), but the audit rows themselves live in the application’s database, and shipping the stdout lines to a separate system is the operator’s.',
    },
  ],
};
export default claims;
