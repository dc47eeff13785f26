import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import type { components } from '../../api/ringfence-api';
import { Field } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';
import { ShownOnce } from '../../ui/shown-once';
import { RoleSelect, roleLabel, type AdminRole } from './admin-roles';

export type CreatedAdmin = components['schemas']['CreatedAdmin'];

/**
 * A new admin: an email and a role. The API answers with a one-time password (after a fresh
 * second factor, which the client asks for when needed); the admin signs in with it once,
 * enrols TOTP and chooses their own password.
 */
export function CreateAdminForm({ onCreated, onCancel }: { onCreated: (created: CreatedAdmin) => void; onCancel: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<AdminRole>('admin');
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/admin/admins', { body: { email: email.trim(), role } })),
    onSuccess: onCreated,
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    create.mutate();
  };
  const fieldErrors = create.error instanceof ApiError ? create.error.fieldErrors() : {};
  return (
    <section className="card" aria-labelledby="new-admin-heading">
      <h2 id="new-admin-heading">New admin</h2>
      <form onSubmit={submit}>
        <Field
          label="Email"
          type="email"
          value={email}
          onChange={setEmail}
          autoComplete="off"
          errors={fieldErrors.email}
          required
          autoFocus
        />
        <RoleSelect value={role} onChange={setRole} />
        <p className="muted small">
          The API shows a one-time password once. The new admin signs in with it, enrols an authenticator app and chooses their own
          password.
        </p>
        <ProblemAlert error={create.error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create admin'}
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

/** The one-time password of an admin just created: on screen until dismissed, then gone for good. */
export function OneTimePasswordCard({ created, onDone }: { created: CreatedAdmin; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="card" aria-labelledby="created-admin-heading">
      <h2 id="created-admin-heading" ref={heading} tabIndex={-1}>
        {created.admin.email} can now sign in as {roleLabel(created.admin.role).toLowerCase()}
      </h2>
      <p>
        Hand this one-time password to {created.admin.email} <strong>out of band</strong>: in person, by phone, or through a password
        manager share. Never send it by email or in the chat where you agreed on the account. At their first sign-in they enrol an
        authenticator app and replace it with a password of their own. It signs in for 72 hours; after that they set a password through the
        reset link sent to their email.
      </p>
      <ShownOnce label="One-time password" value={created.oneTimePassword} />
      <div className="actions">
        <button type="button" className="primary" onClick={onDone}>
          I have handed it over
        </button>
      </div>
    </section>
  );
}
