import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { Field } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';
import { PasswordStrength } from './password-strength';

/**
 * The mailed link's page: `/console/reset-password#token=…`. The token is in the fragment,
 * which the browser never sends to a server or in a Referer; it is read once and removed from
 * the address bar.
 */
export function ResetPasswordPage() {
  const [token] = useState(() => {
    const found = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
    if (found) window.history.replaceState(null, '', window.location.pathname);
    return found;
  });
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    try {
      await unwrap(
        await api.POST('/v1/auth/password/reset', {
          body: { token, newPassword: password, ...(code.trim() ? { code: code.trim() } : {}) },
        }),
      );
      setDone(true);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <main id="main" className="narrow">
      <h1>Choose a new password</h1>
      {done ? (
        <p role="status" className="alert alert-info">
          Your password is changed and every session of yours has ended. <Link to="/sign-in">Sign in</Link>
        </p>
      ) : !token ? (
        <p role="alert" className="alert alert-error">
          This page needs the link from the reset mail. <Link to="/forgot-password">Ask for a new one</Link>
        </p>
      ) : (
        <form onSubmit={(event) => void submit(event)}>
          <Field label="New password" type="password" value={password} onChange={setPassword} autoComplete="new-password" required />
          <PasswordStrength password={password} />
          <Field
            label="Authenticator or recovery code"
            value={code}
            onChange={setCode}
            autoComplete="one-time-code"
            hint="Required when your account has two-factor authentication."
          />
          <ProblemAlert error={error} />
          <div className="actions">
            <button type="submit" className="primary">
              Set the password
            </button>
          </div>
        </form>
      )}
    </main>
  );
}
