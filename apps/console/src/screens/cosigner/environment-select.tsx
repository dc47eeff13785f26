import { useId } from 'react';
import type { operations } from '../../api/ringfence-api';

/** A workspace's environment, as the admin routes name it (`?environment=`): its live keys' or its test keys'. */
export type Environment = operations['workspaces.transfers.list']['parameters']['query']['environment'];

/** Which of the workspace's two environments a tab shows: each has its own policy, transfers and webhooks. */
export function EnvironmentSelect({ value, onChange }: { value: Environment; onChange: (environment: Environment) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Environment</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value === 'test' ? 'test' : 'live')}>
        <option value="live">Live</option>
        <option value="test">Test</option>
      </select>
    </div>
  );
}
