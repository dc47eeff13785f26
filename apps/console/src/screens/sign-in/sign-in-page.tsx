import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { safeNext } from '../../session/require-session';
import { session } from '../../session/session';
import { useSession } from '../../session/use-session';
import { Field } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';

/**
 * Email and password, then the second factor (TOTP or a recovery code) on the challenge the
 * API returns; a first login goes to setup. The refresh token arrives as the HttpOnly cookie.
 */
export function SignInPage() {
  const state = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<string>();
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  if (state.status === 'signed-in') return <Navigate to={state.me.stage === 'setup' ? '/setup' : next} replace />;

  const run = async (event: FormEvent, step: () => Promise<void>): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await step();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const signIn = async (): Promise<void> => {
    const answer = await unwrap(await api.POST('/v1/auth/login', { body: { email, password } }));
    setPassword('');
    if (answer.status === 'second_factor_required' && answer.challenge) {
      setChallenge(answer.challenge);
      return;
    }
    if (answer.session) {
      await session.accept(answer.session);
      await navigate('/setup', { replace: true });
    }
  };

  const secondFactor = async (): Promise<void> => {
    const tokens = await unwrap(
      await api.POST('/v1/auth/mfa', { body: { challenge: challenge ?? '', code: code.trim(), refreshTokenDelivery: 'cookie' } }),
    );
    const me = await session.accept(tokens);
    await navigate(me.stage === 'setup' ? '/setup' : next, { replace: true });
  };

  return (
    <main id="main" className="narrow">
      <h1>Sign in to Ringfence</h1>
      {params.get('expired') && !challenge && (
        <p role="status" className="alert alert-info">
          Your session ended. Sign in again to go back to where you were.
        </p>
      )}
      {!challenge ? (
        <form onSubmit={(event) => void run(event, signIn)} aria-label="Sign in">
          <Field label="Email" type="email" value={email} onChange={setEmail} autoComplete="username" required autoFocus />
          <Field label="Password" type="password" value={password} onChange={setPassword} autoComplete="current-password" required />
          <ProblemAlert error={error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Sign in
            </button>
            <Link to="/forgot-password">Forgot your password?</Link>
          </div>
        </form>
      ) : (
        <form onSubmit={(event) => void run(event, secondFactor)} aria-label="Second factor">
          <p>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
          <Field label="Code" value={code} onChange={setCode} autoComplete="one-time-code" required autoFocus />
          <ProblemAlert error={error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Verify
            </button>
            <button
              type="button"
              onClick={() => {
                setChallenge(undefined);
                setCode('');
              }}
            >
              Start over
            </button>
          </div>
        </form>
      )}
    </main>
  );
}
