import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/ringfence-api';
import { session } from '../../session/session';
import { useMe } from '../../session/use-session';
import type { Admin } from './admin-roles';

type AdminChange = components['schemas']['UpdateAdmin'];

/**
 * PATCH /v1/admin/admins/:id (step-up, asked for by the client when stale). The list is read
 * again after; a change to the signed-in owner's own account changes the session too: a new
 * role is read again, a disabled account is signed out (the API ended its sessions).
 */
export function useUpdateAdmin(admin: Admin, onDone?: () => void) {
  const me = useMe();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (change: AdminChange) =>
      unwrap(await api.PATCH('/v1/admin/admins/{id}', { params: { path: { id: admin.id } }, body: change })),
    onSuccess: async (updated) => {
      onDone?.();
      if (updated.id === me.id) {
        if (updated.status === 'disabled') return session.lose();
        await session.reload();
      }
      await queries.invalidateQueries({ queryKey: ['admins'] });
    },
  });
}
