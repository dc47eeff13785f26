import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { Field } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';

/** Asks for a reset mail; the answer is the same whether or not the email is an admin's. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState<string>();
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    try {
      setSent((await unwrap(await api.POST('/v1/auth/password/forgot', { body: { email } }))).detail);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <main id="main" className="narrow">
      <h1>Reset your password</h1>
      {sent ? (
        <p role="status" className="alert alert-info">
          {sent}
        </p>
      ) : (
        <form onSubmit={(event) => void submit(event)}>
          <Field label="Email" type="email" value={email} onChange={setEmail} autoComplete="username" required autoFocus />
          <ProblemAlert error={error} />
          <div className="actions">
            <button type="submit" className="primary">
              Send the reset link
            </button>
          </div>
        </form>
      )}
      <p>
        <Link to="/sign-in">Back to sign-in</Link>
      </p>
    </main>
  );
}
