import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import type { components } from '../../api/ringfence-api';
import { Pager, usePager } from '../../ui/pager';
import { session } from '../../session/session';
import { ProblemAlert } from '../../ui/problem-alert';
import { Timestamp } from '../../ui/timestamp';
import { deviceName } from './device-name';

type AdminSession = components['schemas']['Session'];

const PAGE_SIZE = 20;
/** The largest page the API gives: walking every session takes the fewest requests. */
const WALK_PAGE_SIZE = 200;

export const SESSIONS_QUERY = ['auth', 'sessions'] as const;

/**
 * The admin's live sessions (GET /v1/auth/sessions, newest first), this one marked; end one,
 * or every other one. There is no route that ends all but the caller's session (a password
 * change does it as a side effect): the console walks every page, then ends each other
 * session with DELETE /v1/auth/sessions/:id, each one audited.
 */
export function SessionsCard() {
  const pager = usePager();
  const queries = useQueryClient();
  const [outcome, setOutcome] = useState('');
  const sessions = useQuery({
    queryKey: [...SESSIONS_QUERY, pager.cursor],
    queryFn: async () => unwrap(await api.GET('/v1/auth/sessions', { params: { query: { limit: PAGE_SIZE, cursor: pager.cursor } } })),
    placeholderData: keepPreviousData,
  });
  // The list is read again first, so the message comes with the list it speaks of.
  const settled = async (message: string): Promise<void> => {
    pager.reset();
    await queries.invalidateQueries({ queryKey: SESSIONS_QUERY });
    setOutcome(message);
  };
  const endOne = useMutation({
    mutationFn: async (ended: AdminSession) => {
      await endSession(ended.id);
      return ended;
    },
    onMutate: () => setOutcome(''),
    onSuccess: (ended) => settled(`Ended the session of ${deviceName(ended.userAgent)} from ${ended.clientIp ?? 'an unknown address'}.`),
  });
  const endOthers = useMutation({
    mutationFn: endEveryOtherSession,
    onMutate: () => setOutcome(''),
    onSuccess: (count) => settled(count === 0 ? 'No other session was open.' : `Ended ${count} other session${count === 1 ? '' : 's'}.`),
  });
  // Every other session, then this one (POST /v1/auth/logout): signed out everywhere.
  const navigate = useNavigate();
  const everywhere = useMutation({
    mutationFn: async () => {
      await endEveryOtherSession();
      await session.signOut();
    },
    onMutate: () => setOutcome(''),
    onSuccess: () => navigate('/sign-in', { replace: true }),
  });
  const busy = endOne.isPending || endOthers.isPending || everywhere.isPending;

  return (
    <section className="card" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      <p>
        Every place you are signed in. End a session you do not recognise, then change your password. Ending a session signs it out at once:
        its tokens stop working.
      </p>
      <div className="toolbar">
        <button type="button" disabled={busy} onClick={() => endOthers.mutate()}>
          {endOthers.isPending ? 'Ending other sessions…' : 'End all other sessions'}
        </button>
        <button type="button" disabled={busy} onClick={() => everywhere.mutate()}>
          {everywhere.isPending ? 'Signing out everywhere…' : 'Sign out everywhere'}
        </button>
      </div>
      <p role="status" className="muted">
        {outcome}
      </p>
      <ProblemAlert error={sessions.error ?? endOne.error ?? endOthers.error ?? everywhere.error} />
      {sessions.isPending ? (
        <p className="loading">Loading your sessions…</p>
      ) : sessions.data ? (
        <>
          <table aria-label="Your sessions">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">IP address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.items.map((item) => (
                <tr key={item.id} aria-current={item.current ? 'true' : undefined}>
                  <td>
                    {deviceName(item.userAgent)}
                    {item.current && (
                      <>
                        {' '}
                        <span className="badge">This session</span>
                      </>
                    )}
                    {item.userAgent && <div className="muted small">{item.userAgent}</div>}
                  </td>
                  <td>{item.clientIp ?? <span className="muted">unknown</span>}</td>
                  <td>
                    <Timestamp value={item.createdAt} />
                  </td>
                  <td>
                    <Timestamp value={item.lastUsedAt} />
                  </td>
                  <td>
                    <Timestamp value={item.expiresAt} />
                  </td>
                  <td>
                    {item.current ? (
                      <span className="muted small">Sign out to end it</span>
                    ) : (
                      <button
                        type="button"
                        aria-label={`End the session of ${deviceName(item.userAgent)} from ${item.clientIp ?? 'an unknown address'}`}
                        disabled={busy}
                        onClick={() => endOne.mutate(item)}
                      >
                        End
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager pager={pager} nextCursor={sessions.data.nextCursor} />
        </>
      ) : null}
    </section>
  );
}

/** DELETE /v1/auth/sessions/:id; a session already gone (404: ended elsewhere, or expired) counts as ended. */
async function endSession(id: string): Promise<boolean> {
  try {
    await unwrap(await api.DELETE('/v1/auth/sessions/{id}', { params: { path: { id } } }));
    return true;
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 404) return false;
    throw failure;
  }
}

/** Every other live session, page by page (keyset pages: ending a session does not move the next page), each ended by its own DELETE. */
async function endEveryOtherSession(): Promise<number> {
  let ended = 0;
  let cursor: string | undefined;
  do {
    const page = await unwrap(await api.GET('/v1/auth/sessions', { params: { query: { limit: WALK_PAGE_SIZE, cursor } } }));
    for (const item of page.items) if (!item.current && (await endSession(item.id))) ended += 1;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ended;
}
