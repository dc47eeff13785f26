import { useState, type FormEvent } from 'react';
import { Dialog } from '../../ui/dialog';
import { ProblemAlert } from '../../ui/problem-alert';
import { RoleSelect, roleLabel, type Admin, type AdminRole } from './admin-roles';
import { useUpdateAdmin } from './update-admin';

/** Another role for an admin; the API refuses to demote the last active owner (LAST_OWNER), and says why. */
export function ChangeRoleDialog({ admin, yourself, onClose }: { admin: Admin; yourself: boolean; onClose: () => void }) {
  const [role, setRole] = useState<AdminRole>(admin.role);
  const update = useUpdateAdmin(admin, onClose);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    update.mutate({ role });
  };
  return (
    <Dialog title={yourself ? 'Change your own role' : `Change the role of ${admin.email}`} onClose={onClose}>
      <form onSubmit={submit}>
        <p>
          Current role: <strong>{roleLabel(admin.role)}</strong>. A new role takes effect at once, from {yourself ? 'your' : 'their'} next
          request.
        </p>
        <RoleSelect label="New role" value={role} onChange={setRole} />
        {yourself && admin.role === 'owner' && role !== 'owner' && (
          <p className="warning">Without the owner role you can no longer manage admins, yourself included.</p>
        )}
        <ProblemAlert error={update.error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={update.isPending || role === admin.role}>
            {update.isPending ? 'Saving…' : 'Save role'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
