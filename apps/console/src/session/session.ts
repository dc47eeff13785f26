import { retryAfterOf } from '../api/problem';
import type { components } from '../api/ringfence-api';

export type SessionTokens = components['schemas']['SessionTokens'];
export type Me = components['schemas']['Me'];
export type AdminRole = Me['role'];

export type SessionState =
  { status: 'starting' } | { status: 'signed-out'; reason?: 'expired' | 'signed-out' } | { status: 'signed-in'; me: Me };

/**
 * Where the CSRF token of a cookie session is kept: sessionStorage, this tab only. It is the
 * page's half of the double submit (the refresh token itself is the HttpOnly `__Secure-rf_refresh`
 * cookie, out of reach of script): alone it authorises nothing, and only script of this
 * origin can read it. It is what lets a reload keep the session. The access token, the
 * refresh token and everything shown once stay in memory (docs/adr/0025-admin-console.md).
 */
const CSRF_KEY = 'ringfence.csrf';
/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60_000;

/**
 * The signed-in admin's session, in memory: the access token, when it expires, and who the
 * admin is. Refreshes itself before expiry (one refresh at a time across this browser's tabs,
 * as a refresh token is spent by its use and a second use would end the session).
 */
export class Session {
  private state: SessionState = { status: 'starting' };
  private accessToken: string | undefined;
  private expiresAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<boolean> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly fetchImpl: typeof fetch = (...args) => fetch(...args)) {}

  get current(): SessionState {
    return this.state;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): SessionState => this.state;

  /** The bearer for the next request, refreshed first when it is about to expire. */
  async bearer(): Promise<string | undefined> {
    if (this.accessToken && this.expiresAt - Date.now() < 15_000 && readCsrf()) await this.refresh();
    return this.accessToken;
  }

  /**
   * At page load: a cookie session of this tab is resumed by a refresh; a new tab asks the
   * console's other tabs for the session's CSRF token first (there is one refresh cookie per
   * browser: signing in again here would end theirs); otherwise signed out.
   */
  async start(): Promise<void> {
    this.answerOtherTabs();
    if (!readCsrf()) {
      const shared = await askOtherTabs();
      if (shared) writeCsrf(shared);
    }
    if (readCsrf() && (await this.refresh())) return;
    if (this.state.status === 'starting') this.set({ status: 'signed-out' });
  }

  /** Tokens from login, MFA, TOTP confirmation, password change or refresh. */
  async accept(tokens: SessionTokens): Promise<Me> {
    this.accessToken = tokens.accessToken;
    this.expiresAt = Date.now() + tokens.expiresIn * 1000;
    if (tokens.csrfToken) writeCsrf(tokens.csrfToken);
    this.schedule();
    const me = await this.loadMe();
    this.set({ status: 'signed-in', me });
    return me;
  }

  /** Rotates the refresh cookie for a new access token; false when the session is gone. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.rotateOnce().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** The API refused the session (expired, revoked, signed out elsewhere): back to sign-in. */
  lose(): void {
    this.clear();
    this.set({ status: 'signed-out', reason: 'expired' });
  }

  /**
   * Ends this session's token family on the server, then here, whatever the server said. The
   * access token is refreshed first when it has expired (a laptop woken after ten minutes), and
   * the cookie's CSRF token goes along, so that the server can end the family by its cookie too.
   */
  async signOut(): Promise<void> {
    try {
      const send = async (token: string | undefined): Promise<Response> =>
        this.fetchImpl('/v1/auth/logout', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...csrfHeader() },
        });
      if (this.expiresAt <= Date.now()) await this.refresh();
      const answer = await send(this.accessToken);
      if (answer.status === 401 && (await this.refresh())) await send(this.accessToken);
    } catch {
      // The network failed: forget the session here all the same.
    } finally {
      this.clear();
      this.set({ status: 'signed-out', reason: 'signed-out' });
    }
  }

  /** The admin's own details changed (a role, the end of setup): read them again. */
  async reload(): Promise<void> {
    if (this.state.status !== 'signed-in') return;
    this.set({ status: 'signed-in', me: await this.loadMe() });
  }

  private async rotateOnce(): Promise<boolean> {
    const csrf = readCsrf();
    if (!csrf) return false;
    const rotate = async (): Promise<Response> =>
      this.fetchImpl('/v1/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': readCsrf() ?? csrf },
        body: '{}',
      });
    let response: Response;
    try {
      response = await withBrowserLock('ringfence.refresh', rotate);
    } catch {
      // The network failed: keep the session and try again shortly.
      this.retryIn(10);
      return this.accessToken !== undefined && this.expiresAt > Date.now();
    }
    if (response.status === 401) {
      // The session this tab had is over (ended elsewhere, expired, or its refresh token reused).
      this.clear();
      this.set({ status: 'signed-out', reason: 'expired' });
      return false;
    }
    if (!response.ok) {
      // Limited (429), or the API is unwell (5xx): the session is not lost. Try again after
      // what Retry-After says (else 30 s) while the access token may still serve.
      this.retryIn(retryAfterOf(response) ?? 30);
      return this.accessToken !== undefined && this.expiresAt > Date.now();
    }
    await this.accept((await response.json()) as SessionTokens);
    return true;
  }

  private async loadMe(): Promise<Me> {
    const response = await this.fetchImpl('/v1/auth/me', { headers: { authorization: `Bearer ${this.accessToken ?? ''}` } });
    if (!response.ok) {
      this.clear();
      throw new Error(`GET /v1/auth/me answered ${response.status}`);
    }
    return (await response.json()) as Me;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!readCsrf()) return;
    const delay = Math.max(5_000, this.expiresAt - Date.now() - REFRESH_AHEAD_MS);
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  /** A signed-in tab tells a new tab of this origin the session's CSRF token (BroadcastChannel: same origin only, nothing stored). */
  private answerOtherTabs(): void {
    const channel = sessionChannel();
    if (!channel) return;
    channel.onmessage = (event: MessageEvent<unknown>) => {
      const csrf = readCsrf();
      if (isMessage(event.data, 'csrf?') && csrf && this.state.status === 'signed-in') channel.postMessage({ type: 'csrf', token: csrf });
    };
  }

  private retryIn(seconds: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), Math.min(Math.max(seconds, 1), 300) * 1000);
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.accessToken = undefined;
    this.expiresAt = 0;
    removeCsrf();
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}

/** Runs `task` holding a lock shared by this origin's tabs (Web Locks), or plainly where there are none. */
async function withBrowserLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  return locks ? (locks.request(name, task) as Promise<T>) : task();
}

const CHANNEL = 'ringfence.session';
/** How long a new tab waits for a signed-in tab to answer. */
const ASK_TABS_MS = 300;
let channel: BroadcastChannel | null | undefined;

function sessionChannel(): BroadcastChannel | null {
  channel ??= typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
  return channel;
}

function isMessage(data: unknown, type: string): data is { type: string; token?: unknown } {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === type;
}

/** The CSRF token a signed-in tab of this console answers with, or null when none answers in time. */
function askOtherTabs(): Promise<string | null> {
  if (typeof BroadcastChannel !== 'function') return Promise.resolve(null);
  const asking = new BroadcastChannel(CHANNEL);
  return new Promise<string | null>((resolve) => {
    const done = (token: string | null): void => {
      clearTimeout(timer);
      asking.close();
      resolve(token);
    };
    const timer = setTimeout(() => done(null), ASK_TABS_MS);
    asking.onmessage = (event: MessageEvent<unknown>) => {
      if (isMessage(event.data, 'csrf') && typeof event.data.token === 'string' && /^[\w-]{43}$/.test(event.data.token))
        done(event.data.token);
    };
    asking.postMessage({ type: 'csrf?' });
  });
}

function csrfHeader(): Record<string, string> {
  const csrf = readCsrf();
  return csrf ? { 'x-csrf-token': csrf } : {};
}

function readCsrf(): string | null {
  try {
    return sessionStorage.getItem(CSRF_KEY);
  } catch {
    return null;
  }
}

function writeCsrf(token: string): void {
  try {
    sessionStorage.setItem(CSRF_KEY, token);
  } catch {
    // Storage refused (private mode): the session lasts until the page is left.
  }
}

function removeCsrf(): void {
  try {
    sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // nothing kept
  }
}

export const session = new Session();
