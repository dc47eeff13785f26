import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import { session } from '../../session/session';
import { Field } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';
import { PasswordStrength } from '../sign-in/password-strength';
import { SESSIONS_QUERY } from './sessions-card';

/**
 * The admin's own password: the current one, then a new one under the strength meter (the API
 * applies the same rule and decides). The API ends every other session of the admin; this one
 * goes on.
 */
export function PasswordChangeCard({ email }: { email: string }) {
  const queries = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const change = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/auth/password/change', {
          body: { currentPassword: current, newPassword: next, refreshTokenDelivery: 'cookie' },
        }),
      ),
    onSuccess: async (answer) => {
      setCurrent('');
      setNext('');
      if (answer.session) await session.accept(answer.session);
      await queries.invalidateQueries({ queryKey: SESSIONS_QUERY });
    },
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    change.mutate();
  };
  const fieldErrors = change.error instanceof ApiError ? change.error.fieldErrors() : {};
  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <p>Changing your password signs you out everywhere else: every other session of yours ends. This one stays signed in.</p>
      <form onSubmit={submit} aria-labelledby="password-heading">
        {/* For password managers: which account this password belongs to. */}
        <input type="text" name="username" autoComplete="username" value={email} readOnly hidden />
        <Field
          label="Current password"
          type="password"
          value={current}
          onChange={setCurrent}
          autoComplete="current-password"
          errors={fieldErrors.currentPassword}
          required
        />
        <Field
          label="New password"
          type="password"
          value={next}
          onChange={setNext}
          autoComplete="new-password"
          errors={fieldErrors.newPassword}
          required
        />
        <PasswordStrength password={next} />
        <ProblemAlert error={change.error} />
        <p role="status" className={change.isSuccess ? 'alert alert-info' : undefined}>
          {change.isSuccess ? 'Your password is changed. Every other session of yours has ended: sign in again on your other devices.' : ''}
        </p>
        <div className="actions">
          <button type="submit" className="primary" disabled={change.isPending}>
            {change.isPending ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}
