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

/** Only same-console paths are followed after sign-in: never another origin. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
