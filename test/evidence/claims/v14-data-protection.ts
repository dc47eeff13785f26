import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [
    {
      id: 'V14.2.1',
      claim:
        'Credentials travel in headers, cookies and bodies only: an API key found in the query string is refused with the uniform 401 (audited as `key_in_query`) even beside a valid `Authorization` header, and never reaches an exported trace span; the password reset link carries its token in the URL fragment, which browsers never send.',
    },
    {
      id: 'V14.2.2',
      claim: 'Every API answer carries `Cache-Control: no-store`, which proxies, load balancers and other shared caches must not store.',
    },
    {
      id: 'V14.2.3',
      claim:
        'The console sends nothing to third parties: its CSP allows calls, scripts and images from its own origin only, so no tracker or other host can be reached, and `Referrer-Policy: no-referrer` leaks no URL.',
    },
    {
      id: 'V14.2.7',
      claim:
        'Deleted workspaces are purged 30 days after deletion with their keys, vault and idempotency keys, and audit months wholly past `AUDIT_RETENTION_DAYS` are dropped, each by a scheduled job and audited.',
    },
    {
      id: 'V14.3.1',
      claim:
        "Signing out of the console ends the server session (also once the access token has expired) and clears the refresh cookie and the CSRF token in sessionStorage; no one-time password or recovery code the page showed is left in its memory. Signing out while the server is unreachable (not tested) clears the page's memory and sessionStorage but leaves the HttpOnly cookie and the server session until they expire.",
    },
    {
      id: 'V14.3.2',
      claim:
        "Every API answer, token and vault reveal answers included, carries `Cache-Control: no-store`; only the console's static bundle is cacheable (hashed assets, and the page with `no-cache`).",
    },
    {
      id: 'V14.3.3',
      claim:
        "The console keeps the access token in memory and the refresh token in an HttpOnly cookie; browser storage holds the session's CSRF token in sessionStorage and nothing else.",
    },
  ],
  unclaimed: [
    {
      ids: ['V14.1.1', 'V14.1.2', 'V14.2.4'],
      why: "Not met as documentation: no document classifies Ringfence's data into protection levels with their requirements. The protections exist and are tested (secrets sealed with AES-256-GCM or stored as peppered hashes, kept out of logs and audit rows, vault values behind an audited reveal, RLS per workspace), but they are described per feature (README, ADRs 0004, 0005, 0008, 0009), not held to a classification.",
    },
  ],
};
export default claims;
