import { useMe } from '../../session/use-session';
import { ROLES, roleLabel } from '../admins/admin-roles';
import { PasswordChangeCard } from './password-change-card';
import { RecoveryCodesCard } from './recovery-codes-card';
import { SessionsCard } from './sessions-card';

/** The signed-in admin's own account, whatever the role: who they are, their sessions, their password and recovery codes. */
export function AccountPage() {
  const me = useMe();
  return (
    <>
      <h1>Your account</h1>
      <section className="card" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl className="facts">
          <dt>Email</dt>
          <dd>{me.email}</dd>
          <dt>Role</dt>
          <dd>
            {roleLabel(me.role)}: {ROLES.find((entry) => entry.role === me.role)?.can}
          </dd>
        </dl>
        <p className="muted small">Only an owner can change your role.</p>
      </section>
      <SessionsCard />
      <PasswordChangeCard email={me.email} />
      <RecoveryCodesCard />
    </>
  );
}
