import { ShownOnce } from '../../ui/shown-once';
import { keyPrefix } from './api-key-scopes';
import { Timestamp } from '../../ui/timestamp';
import type { CreatedApiKey } from './workspace-data';

/** A key the API has just made (created or rotated), shown this once, with what it is. */
export function NewKeyShownOnce({ created, onDone, note }: { created: CreatedApiKey; onDone: () => void; note?: string }) {
  return (
    <>
      <dl className="facts">
        <dt>Prefix</dt>
        <dd>
          <code>{keyPrefix(created)}</code>
        </dd>
        <dt>Environment</dt>
        <dd>{created.environment}</dd>
        <dt>Scopes</dt>
        <dd>{created.scopes.join(', ')}</dd>
        <dt>Expires</dt>
        <dd>
          <Timestamp value={created.expiresAt} />
        </dd>
      </dl>
      {note && <p>{note}</p>}
      <ShownOnce label="Key" value={created.key} />
      <div className="actions">
        <button type="button" className="primary" onClick={onDone}>
          I have stored the key
        </button>
      </div>
    </>
  );
}
