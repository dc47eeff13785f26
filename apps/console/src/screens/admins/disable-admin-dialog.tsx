import { Dialog } from '../../ui/dialog';
import { ProblemAlert } from '../../ui/problem-alert';
import type { Admin } from './admin-roles';
import { useUpdateAdmin } from './update-admin';

/**
 * Disabling is confirmed: the admin can no longer sign in, every session of theirs ends at
 * once and their pending password resets are void. It can be undone (Enable); the API refuses
 * to disable the last active owner (LAST_OWNER).
 */
export function DisableAdminDialog({ admin, yourself, onClose }: { admin: Admin; yourself: boolean; onClose: () => void }) {
  const update = useUpdateAdmin(admin, onClose);
  return (
    <Dialog title={yourself ? 'Disable your own account?' : `Disable ${admin.email}?`} onClose={onClose}>
      <p>
        {yourself ? 'You' : admin.email} can no longer sign in, every session of {yourself ? 'yours' : 'theirs'} ends at once, and any
        pending password reset stops working. An owner can enable the account again later.
      </p>
      {yourself && <p className="warning">This is your own account: you will be signed out at once.</p>}
      <ProblemAlert error={update.error} />
      <div className="actions">
        <button type="button" className="danger" disabled={update.isPending} onClick={() => update.mutate({ status: 'disabled' })}>
          {update.isPending ? 'Disabling…' : 'Disable admin'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
