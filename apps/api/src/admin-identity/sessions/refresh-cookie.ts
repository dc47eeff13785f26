import { parse, serialize } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const REFRESH_COOKIE = 'rf_refresh';
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

export function csrfHeaderOf(request: FastifyRequest): string | undefined {
  const value = request.headers[CSRF_HEADER];
  return typeof value === 'string' ? value : undefined;
}
