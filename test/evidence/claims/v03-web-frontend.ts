import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [
    {
      id: 'V3.2.1',
      claim:
        "Every API answer is JSON (`application/json` or `application/problem+json`) with `nosniff` and a CSP of `default-src 'none'`, so a response opened directly renders and runs nothing; only `/console` paths answer the console's page, and a missing console asset is a problem, never the page.",
    },
    {
      id: 'V3.2.2',
      claim:
        "The console renders data through React's text nodes only, under a CSP of `require-trusted-types-for 'script'; trusted-types 'none'` that makes every HTML sink throw; markup in a workspace name shows as text and creates no element.",
    },
    {
      id: 'V3.3.1',
      claim:
        "The one cookie, the console's refresh token, is always set `Secure` and named with the `__Secure-` prefix (`__Secure-rf_refresh`), so a browser takes it only from a secure origin with the Secure attribute.",
    },
    {
      id: 'V3.3.2',
      claim:
        "The one cookie, the console's refresh token `__Secure-rf_refresh`, is `SameSite=Strict`: a cross-site request never carries it.",
    },
    {
      id: 'V3.3.4',
      claim:
        'The refresh cookie is `HttpOnly`, and a cookie sign-in or refresh puts the token only in `Set-Cookie`, never in the JSON body.',
    },
    {
      id: 'V3.4.1',
      claim: 'Every response, errors and 404s included, carries `Strict-Transport-Security: max-age=31536000; includeSubDomains`.',
    },
    {
      id: 'V3.4.2',
      claim:
        "CORS answers only exact configured origins: the console origins of `CORS_ORIGINS` (with credentials) and each workspace's `allowedOrigins` (without); any other origin gets no CORS header, the Origin is never reflected, and workspace origins must be bare origins as browsers send them.",
    },
    {
      id: 'V3.4.4',
      claim:
        'Every response carries `X-Content-Type-Options: nosniff` (the boundary stamps it on every answer, 404s and problems included).',
    },
    {
      id: 'V3.4.5',
      claim: 'Every response carries `Referrer-Policy: no-referrer`, the console page included.',
    },
    {
      id: 'V3.4.6',
      claim:
        "Every response's CSP has `frame-ancestors 'none'` (with `X-Frame-Options: DENY` besides); Chromium refuses to render the console in a cross-site frame.",
    },
    {
      id: 'V3.5.1',
      claim:
        "Admin routes take the access token in `Authorization` only, which a browser never adds by itself; a refresh by the one cookie, `__Secure-rf_refresh`, also requires the session's CSRF token in `X-CSRF-Token`, and a wrong or missing one spends nothing.",
    },
    {
      id: 'V3.5.2',
      claim:
        'Bodies are JSON only: `text/plain`, form and multipart bodies, the ones a cross-site form or simple request can send, are refused with 415 before any handler, so every state-changing call from another site needs a CORS preflight, which only allowed origins pass.',
    },
    {
      id: 'V3.5.3',
      claim:
        'State changes only through POST, PUT, PATCH and DELETE: every mutation is an `@Audited` route (the route inventory fails on one that is not), no GET route is, and a GET handler reads in a `READ ONLY` transaction, so a navigation or resource load changes nothing.',
    },
    {
      id: 'V3.6.1',
      claim:
        'The console loads nothing from another host: its CSP allows scripts, styles, fonts, images and calls from its own origin only (images also as `data:`), and its browser specs fail on any CSP violation.',
    },
    {
      id: 'V3.7.1',
      claim:
        "The console is a React single-page application of plain JavaScript and CSS; its CSP (`default-src 'none'`, so no `object-src`) refuses any plugin content.",
    },
    {
      id: 'V3.7.2',
      claim:
        "Ringfence never redirects off its origin: the server answers no redirect, and the console's `next=` after sign-in is followed only when it is a printable path that stays on the console's origin.",
    },
  ],
  unclaimed: [
    {
      ids: ['V3.3.3'],
      why: 'Partly: the one cookie is host-only (no `Domain`) and `Secure`, named with the `__Secure-` prefix, not `__Host-`, which would need `Path=/` where it is scoped to `/v1/auth`; a cookie a sibling host tosses under the same name is not taken without the CSRF proof of its own session (tested, V3.5.1).',
    },
    {
      ids: ['V3.4.3'],
      why: "Partly: every response has a CSP; JSON answers `default-src 'none'`, the console `default-src 'none'` with `base-uri 'none'`, scripts and styles from its origin only, no inline, Trusted Types. But the OpenAPI page (`/docs`, off in production unless `DOCS_ENABLED`) has `default-src 'self'` with `style-src 'unsafe-inline'`, so `object-src` falls back to `'self'`, and JSON answers name no `base-uri`.",
    },
    {
      ids: ['V3.4.8'],
      why: "Partly: the console's page is answered with `Cross-Origin-Opener-Policy: same-origin` (a site that opened it keeps no handle on it), but the OpenAPI page (`/docs`, off in production unless `DOCS_ENABLED`) is HTML without it.",
    },
    {
      ids: ['V3.5.4'],
      why: "Partly: the admin console is the API's own interface, served from the API's origin on purpose (ADR 0025); but the OpenAPI page (/docs), on by default outside production and in production when DOCS_ENABLED is set, shares that origin under a weaker CSP, so a script running there would be same-origin with the console.",
    },
    {
      ids: ['V3.5.5'],
      why: "Partly: the console listens to no window `message` event; its tabs share the CSRF token over a `BroadcastChannel`, which only documents of the console's origin can join, but the OpenAPI page (/docs) is of that origin when enabled, and no test sends the channel a malformed message.",
    },
  ],
};
export default claims;
