import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from './use-session';

/**
 * Pages for a signed-in admin. A lost session goes to sign-in with the page it was on
 * (`?next=`), to come back to after; a session still in setup goes to the setup page, which
 * a full session may still show (the recovery codes its last step returned).
 */
export function RequireSession({ children, setup = false }: { children: ReactNode; setup?: boolean }) {
  const state = useSession();
  const location = useLocation();
  if (state.status === 'starting') return <p className="loading">Loading…</p>;
  if (state.status === 'signed-out') {
    const next = `${location.pathname}${location.search}`;
    const query = new URLSearchParams({ next });
    if (state.reason === 'expired') query.set('expired', '1');
    return <Navigate to={`/sign-in?${query.toString()}`} replace />;
  }
  const inSetup = state.me.stage === 'setup';
  if (inSetup && !setup) return <Navigate to="/setup" replace />;
  return <>{children}</>;
}

/**
 * Only a path of this console is followed after sign-in (`?next=`): printable ASCII, no
 * backslash or whitespace (browsers drop tabs and newlines from URLs, which turns `/\t/host`
 * into `//host`), and a path that stays on this origin when parsed. Anything else is `/`.
 */
export function safeNext(next: string | null): string {
  if (!next || !/^\/(?![/\\])[\x21-\x7e]*$/.test(next) || next.includes('\\')) return '/';
  try {
    const url = new URL(next, window.location.origin);
    return url.origin === window.location.origin ? `${url.pathname}${url.search}` : '/';
  } catch {
    return '/';
  }
}
