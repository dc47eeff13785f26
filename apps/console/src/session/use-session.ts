import { useSyncExternalStore } from 'react';
import { session, type AdminRole, type Me, type SessionState } from './session';

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.snapshot);
}

/** The signed-in admin; only under RequireSession. */
export function useMe(): Me {
  const state = useSession();
  if (state.status !== 'signed-in') throw new Error('useMe outside a signed-in page');
  return state.me;
}

export function hasRole(me: Me, ...roles: AdminRole[]): boolean {
  return roles.includes(me.role);
}
