import { useId } from 'react';
import type { components } from '../../api/ringfence-api';

export type Admin = components['schemas']['Admin'];
export type AdminRole = Admin['role'];

/** What each role may do, as the routes' access declarations say (docs/routes.md). */
export const ROLES: readonly { role: AdminRole; label: string; can: string }[] = [
  { role: 'owner', label: 'Owner', can: 'everything, including managing admins and reading the audit view' },
  { role: 'admin', label: 'Admin', can: 'workspaces, their API keys, policies and webhooks' },
  { role: 'auditor', label: 'Auditor', can: 'reads the audit view and the workspaces; changes nothing' },
];

export function roleLabel(role: AdminRole): string {
  return ROLES.find((entry) => entry.role === role)?.label ?? role;
}

/** A labelled choice of role, each option saying what the role may do. */
export function RoleSelect({ value, onChange, label = 'Role' }: { value: AdminRole; onChange: (role: AdminRole) => void; label?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(ROLES.find((entry) => entry.role === event.target.value)?.role ?? value)}>
        {ROLES.map((entry) => (
          <option key={entry.role} value={entry.role}>
            {entry.label}: {entry.can}
          </option>
        ))}
      </select>
    </div>
  );
}
