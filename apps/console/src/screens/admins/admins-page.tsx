import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { hasRole, useMe } from '../../session/use-session';
import { Pager, usePager } from '../../ui/pager';
import { ProblemAlert } from '../../ui/problem-alert';
import { Timestamp } from '../../ui/timestamp';
import { roleLabel, type Admin } from './admin-roles';
import { ChangeRoleDialog } from './change-role-dialog';
import { CreateAdminForm, OneTimePasswordCard, type CreatedAdmin } from './create-admin';
import { DisableAdminDialog } from './disable-admin-dialog';
import { useUpdateAdmin } from './update-admin';

const PAGE_SIZE = 25;

type OpenDialog = { kind: 'role' | 'disable'; admin: Admin } | undefined;

/**
 * The platform's admins, for owners: who they are, their role and status, whether they have
 * enrolled TOTP; create one (its one-time password shown once), change a role, disable or
 * enable. Every change needs a fresh second factor, which the API client asks for.
 */
export function AdminsPage() {
  const me = useMe();
  if (!hasRole(me, 'owner')) {
    return (
      <>
        <h1>Admins</h1>
        <p>Only owners manage admins. Ask an owner of this Ringfence to create, change or disable an admin.</p>
      </>
    );
  }
  return <AdminsDirectory myId={me.id} />;
}

function AdminsDirectory({ myId }: { myId: string }) {
  const pager = usePager();
  const queries = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedAdmin>();
  const [dialog, setDialog] = useState<OpenDialog>();
  const admins = useQuery({
    queryKey: ['admins', pager.cursor],
    queryFn: async () => unwrap(await api.GET('/v1/admin/admins', { params: { query: { limit: PAGE_SIZE, cursor: pager.cursor } } })),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <h1>Admins</h1>
      <p className="muted">
        Owners manage everyone who runs this Ringfence. Creating an admin, changing a role, disabling and enabling each ask for a fresh
        second factor.
      </p>
      {created && (
        <OneTimePasswordCard
          created={created}
          onDone={() => {
            setCreated(undefined);
          }}
        />
      )}
      {creating ? (
        <CreateAdminForm
          onCreated={(answer) => {
            setCreating(false);
            setCreated(answer);
            pager.reset();
            void queries.invalidateQueries({ queryKey: ['admins'] });
          }}
          onCancel={() => setCreating(false)}
        />
      ) : (
        <div className="toolbar">
          <button
            type="button"
            className="primary"
            onClick={() => {
              setCreated(undefined);
              setCreating(true);
            }}
          >
            Create an admin
          </button>
        </div>
      )}

      <ProblemAlert error={admins.error} />
      {admins.isPending ? (
        <p className="loading">Loading the admins…</p>
      ) : admins.data ? (
        <>
          <table aria-label="Admins">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Authenticator app</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {admins.data.items.map((admin) => (
                <AdminRow key={admin.id} admin={admin} yourself={admin.id === myId} onOpen={(kind) => setDialog({ kind, admin })} />
              ))}
            </tbody>
          </table>
          <Pager pager={pager} nextCursor={admins.data.nextCursor} />
        </>
      ) : null}

      {dialog?.kind === 'role' && (
        <ChangeRoleDialog admin={dialog.admin} yourself={dialog.admin.id === myId} onClose={() => setDialog(undefined)} />
      )}
      {dialog?.kind === 'disable' && (
        <DisableAdminDialog admin={dialog.admin} yourself={dialog.admin.id === myId} onClose={() => setDialog(undefined)} />
      )}
    </>
  );
}

function AdminRow({ admin, yourself, onOpen }: { admin: Admin; yourself: boolean; onOpen: (kind: 'role' | 'disable') => void }) {
  const enable = useUpdateAdmin(admin);
  const active = admin.status === 'active';
  return (
    <tr>
      <td>
        {admin.email}
        {yourself && <span className="muted"> (you)</span>}
      </td>
      <td>{roleLabel(admin.role)}</td>
      <td>
        <span className={`badge status-${admin.status}`}>{active ? 'Active' : 'Disabled'}</span>
      </td>
      <td>{admin.totpEnabled ? 'Enrolled' : <span className="muted">Not yet: enrols at first sign-in</span>}</td>
      <td>
        <Timestamp value={admin.createdAt} />
      </td>
      <td>
        {active ? (
          <div className="actions">
            <button type="button" aria-label={`Change role of ${admin.email}`} onClick={() => onOpen('role')}>
              Change role
            </button>
            <button type="button" aria-label={`Disable ${admin.email}`} onClick={() => onOpen('disable')}>
              Disable
            </button>
          </div>
        ) : (
          <div className="actions">
            <button
              type="button"
              aria-label={`Enable ${admin.email}`}
              disabled={enable.isPending}
              onClick={() => enable.mutate({ status: 'active' })}
            >
              Enable
            </button>
          </div>
        )}
        <ProblemAlert error={enable.error} />
      </td>
    </tr>
  );
}
