import { parse, serialize } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const REFRESH_COOKIE = '__Secure-rf_refresh';
export const REFRESH_COOKIE_PATH = '/v1/auth';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * The refresh token as the browser console keeps it: HttpOnly, Secure, SameSite=Strict, on
 * /v1/auth only, and a session cookie (no Max-Age, no Expires): closing the browser drops it,
 * as it drops the tab's CSRF token in sessionStorage, and the session's lifetime on the server
 * (`ADMIN_SESSION_TTL_SECONDS`) bounds it whatever the browser keeps.
 */
export function setRefreshCookie(reply: FastifyReply, token: string, secure: boolean): void {
  void reply.header(
    'set-cookie',
    serialize(REFRESH_COOKIE, token, { httpOnly: true, secure, sameSite: 'strict', path: REFRESH_COOKIE_PATH }),
  );
}

export function clearRefreshCookie(reply: FastifyReply, secure: boolean): void {
  void reply.header(
    'set-cookie',
    serialize(REFRESH_COOKIE, '', { httpOnly: true, secure, sameSite: 'strict', path: REFRESH_COOKIE_PATH, maxAge: 0 }),
  );
}

export function refreshCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header ? parse(header)[REFRESH_COOKIE] : undefined;
}

/** At most this many `__Secure-rf_refresh` values of one Cookie header are looked at. */
export const MAX_REFRESH_COOKIES = 4;

/**
 * Every `__Secure-rf_refresh` value the Cookie header carries, in order. A browser sends several when a
 * sibling subdomain set its own (`Domain=` the parent, a longer `Path=`: cookie tossing), the
 * tossed one usually first; `cookie`'s parse keeps only one, so the raw header is read here.
 */
export function refreshCookiesOf(request: FastifyRequest): string[] {
  const header = request.headers.cookie;
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at).trim() !== REFRESH_COOKIE) continue;
    let value = pair.slice(at + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // Kept as sent: it matches no token.
    }
    if (!values.includes(value)) values.push(value);
  }
  return values;
}

export function csrfHeaderOf(request: FastifyRequest): string | undefined {
  const value = request.headers[CSRF_HEADER];
  return typeof value === 'string' ? value : undefined;
}
