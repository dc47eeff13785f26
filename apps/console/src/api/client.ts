import createClient from 'openapi-fetch';
import { session, Session } from '../session/session';
import { stepUp, StepUpBridge } from '../session/step-up-bridge';
import { ApiError, isProblem, retryAfterOf } from './problem';
import type { paths } from './ringfence-api';

/**
 * The fetch every API call goes through: the access token from memory; on a 401 one refresh
 * and one retry, then the session is lost (back to sign-in, keeping the page); on a 403
 * STEP_UP_REQUIRED the admin is asked for a code and the call is retried once.
 */
export function authenticatedFetch(current: Session, prompt: StepUpBridge, base: typeof fetch = (...args) => fetch(...args)) {
  return async (request: Request): Promise<Response> => {
    const retry = request.clone();
    const token = await current.bearer();
    const response = await send(base, request, token);
    if (response.status === 401 && token) {
      if (!(await current.refresh())) {
        current.lose();
        return response;
      }
      return send(base, retry, await current.bearer());
    }
    if (response.status === 403 && token && (await problemCodeOf(response)) === 'STEP_UP_REQUIRED') {
      // Resolves once a code was accepted; rejects when the admin cancels (the call then fails with this answer).
      if (!(await prompt.ask())) return response;
      return send(base, retry, await current.bearer());
    }
    return response;
  };
}

async function send(base: typeof fetch, request: Request, token: string | undefined): Promise<Response> {
  const headers = new Headers(request.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  try {
    return await base(new Request(request, { headers }));
  } catch {
    // The network failed: a status-0 answer that the console shows as "could not be reached".
    return new Response(null, { status: 599, statusText: 'network' });
  }
}

async function problemCodeOf(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.clone().json()) as { code?: unknown };
    return typeof body.code === 'string' ? body.code : undefined;
  } catch {
    return undefined;
  }
}

/** The typed client, generated from apps/api/openapi.json (openapi-typescript + openapi-fetch). */
export const api = createClient<paths>({ baseUrl: '', fetch: authenticatedFetch(session, stepUp) });

/**
 * The body of a successful answer, or an ApiError carrying the problem. For openapi-fetch's
 * results: `await unwrap(await api.GET('/v1/...'))`.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): Promise<T> {
  if (result.response.ok) return Promise.resolve(result.data as T);
  if (result.response.status === 599) return Promise.reject(new ApiError(0, undefined, undefined));
  // openapi-fetch has read the body already: its parsed `error` is the problem.
  return Promise.reject(
    new ApiError(result.response.status, isProblem(result.error) ? result.error : undefined, retryAfterOf(result.response)),
  );
}
