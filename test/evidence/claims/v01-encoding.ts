import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [
    {
      id: 'V1.1.1',
      claim:
        'A body is decoded once, as strict UTF-8 (invalid, overlong or surrogate bytes are a 400 INVALID_ENCODING, never replaced), before JSON parsing and before validation; a URL is decoded once by the router, and one that does not decode is a 400 before any handler.',
    },
    {
      id: 'V1.1.2',
      claim:
        'Values are kept as received and encoded only by the writer of each output: JSON serialisation as an answer or an export line is written, RFC 4180 quoting as the audit export writes CSV, and the console renders values as text, markup included.',
    },
    {
      id: 'V1.2.1',
      claim:
        'No client text reaches a response header or page unchecked: X-Request-Id is echoed only when it matches its safe pattern (else replaced by a UUID), problems never echo the path, and the console page is a static file that reflects nothing of the path or query.',
    },
    {
      id: 'V1.2.2',
      claim:
        "Client-supplied URLs are held to safe schemes: a webhook endpoint must be https (http only where development allows it), never ftp:, file:, gopher:, ws: or data:, and a workspace's allowed origins must be http(s) origins, scheme://host[:port] (javascript: is a 400); the one client value the server puts in a URL it builds, the Idempotency-Key inside the provider's external_tx_id, is held to [A-Za-z0-9._:-].",
    },
    {
      id: 'V1.2.3',
      claim:
        'Every JSON document Ringfence writes (answers, problems, export lines, webhook bodies) is built by serialising an object, never by joining text: a value with quotes, line breaks or markup stays inside its string.',
    },
    {
      id: 'V1.2.4',
      claim:
        "Every statement is hand-written SQL with values bound as parameters ($1…); only the code's own table and column names are interpolated (outbox table names are checked as plain identifiers), the one literal the unit of work writes (set_config) is quoted and refuses a NUL, a search text is matched literally (no LIKE pattern), and a quote in any field of any route never breaks a statement.",
    },
    {
      id: 'V1.2.5',
      claim:
        'No request value reaches an operating system command: the service and its commands run programs (the embedded PostgreSQL, its tools, npm) only by execFile or spawn, a program and its arguments one by one, never exec or a shell (except npm itself on Windows, with fixed arguments); a source scan fails on anything else.',
    },
    {
      id: 'V1.2.10',
      claim:
        'The audit export writes CSV by RFC 4180 (every cell quoted, quotes doubled, line breaks kept inside the quotes) and prefixes a cell starting with =, +, -, @, tab, CR or NUL with a single quote.',
    },
    {
      id: 'V1.3.2',
      claim:
        "No code is made from text at run time: lint (errors, zero warnings, in CI) forbids eval, new Function and a string handed to a timer in the service, the libs and the console, and the console's CSP has no 'unsafe-eval' and Trusted Types 'none'.",
    },
    {
      id: 'V1.3.3',
      claim:
        'Text PostgreSQL or a validator would choke on (a NUL, an unpaired surrogate, a key named after an Object.prototype member) is a 400 naming the field, in bodies, query and path, before any handler or statement; error bodies list at most 20 fields, names cut to 64 characters, and nothing of a refused request is stored.',
    },
    {
      id: 'V1.3.11',
      claim:
        "Mail goes only to an admin's stored address, which passed @IsEmail; an address with a line break or a second recipient is a 400, for a reset request as for a new admin, and nothing is mailed; subject and body are fixed text around the reset link.",
    },
    {
      id: 'V1.4.2',
      claim:
        'Amounts are exact: a bigint count of units, read only from plain decimal strings (no sign, exponent or separators; at most 36 fractional and 78 digits), never a float, so policy bounds and caps hold to the last unit; other numbers are ranged by their validators.',
    },
    {
      id: 'V1.5.2',
      claim:
        'Bodies are JSON only, parsed by secure-json-parse (a __proto__ or constructor.prototype key is refused) into plain data; keys and query parameters named after Object.prototype members are refused, and DTOs are whitelisted classes: no client-chosen type is ever instantiated.',
    },
  ],
  unclaimed: [
    {
      ids: ['V1.3.6'],
      why: 'Partly: a webhook endpoint URL must be https on an allowed port, and its host is resolved and refused if any address is loopback, private, link-local, CGNAT, unique-local or a metadata service, at registration and at each delivery, with no redirect followed (tested, API7:2023); but it is a deny-list of address ranges, not an allow-list of the protocols, domains and paths a workspace may call.',
    },
    {
      ids: ['V1.2.6', 'V1.2.7', 'V1.2.8', 'V1.3.8'],
      why: 'Not applicable: Ringfence has no LDAP, XPath or XML, LaTeX or JNDI (it is a Node.js service; bodies are JSON only).',
    },
    {
      ids: ['V1.2.9'],
      why: 'Not applicable: no regular expression is built from client input; the one built at run time from configuration (the key file names, libs/crypto/src/key-material.ts) escapes its metacharacters.',
    },
    {
      ids: ['V1.3.1', 'V1.3.4', 'V1.3.5', 'V1.3.7'],
      why: 'Not applicable: Ringfence takes no HTML, SVG, Markdown, stylesheets or templates from anyone; the console renders text through React (no raw HTML), and the one mail is fixed text around a link.',
    },
    {
      ids: ['V1.3.9'],
      why: 'Not applicable: there is no memcache. Redis holds only limit counters and key revocations, under keys built from server-issued ids and parsed client addresses, sent through ioredis as binary-safe command arguments (never a command line built from text).',
    },
    {
      ids: ['V1.3.10'],
      why: 'Not applicable: no format-string interpreter sees client input; log lines are structured JSON (pino) with client values as fields, and messages are template literals, not printf formats.',
    },
    {
      ids: ['V1.4.1', 'V1.4.3'],
      why: 'Not applicable: Ringfence is TypeScript on Node.js (managed memory, bounds-checked strings and buffers) and ships no native code of its own.',
    },
    {
      ids: ['V1.5.1'],
      why: 'Not applicable: Ringfence parses no XML; a body of any type other than JSON is a 415 (test/e2e/error-envelope.spec.ts).',
    },
  ],
};
export default claims;
