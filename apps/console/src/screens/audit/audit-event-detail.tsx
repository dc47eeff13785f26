import { auditDiff, diffSummary, type DiffEntry } from './audit-diff';
import type { AuditEvent, AuditFilter } from './audit-filter';
import { ACTOR_TYPES } from './audit-filter';
import { formatInstant } from './audit-format';

/**
 * One audit row in full: who did what to which target, from where, and its before/after as a
 * diff with the changed keys highlighted. Every value is JSON shown as text (React escapes it),
 * never markup. Buttons narrow the list to this row's workspace, actor or target.
 */
export function AuditEventDetail({
  event,
  workspaceName,
  description,
  onNarrow,
}: {
  event: AuditEvent;
  workspaceName: string | undefined;
  description: string | undefined;
  onNarrow: (filter: AuditFilter) => void;
}) {
  const entries = auditDiff(event.before, event.after);
  return (
    <section aria-labelledby={`event-${event.id}-heading`} className="audit-detail">
      <h3 id={`event-${event.id}-heading`}>Event {event.id}</h3>
      <dl className="facts">
        <dt>When</dt>
        <dd>
          <time dateTime={event.occurredAt}>{formatInstant(event.occurredAt)}</time> <code className="small">{event.occurredAt}</code>
        </dd>
        <dt>Action</dt>
        <dd>
          <code>{event.action}</code>
          {description && <span className="muted small"> — {description}</span>}
        </dd>
        <dt>Outcome</dt>
        <dd>
          {event.outcome}
          {event.reason && <span className="muted"> ({event.reason})</span>}
        </dd>
        <dt>Actor</dt>
        <dd>
          {ACTOR_TYPES[event.actor.type]} {event.actor.id && <code>{event.actor.id}</code>}
        </dd>
        <dt>Target</dt>
        <dd>
          {event.target ? (
            <>
              {event.target.type} {event.target.id && <code>{event.target.id}</code>}
            </>
          ) : (
            <span className="muted">none</span>
          )}
        </dd>
        <dt>Workspace</dt>
        <dd>
          {event.workspaceId ? (
            <>
              {workspaceName && `${workspaceName} `}
              <code>{event.workspaceId}</code>
            </>
          ) : (
            <span className="muted">platform (no workspace)</span>
          )}
        </dd>
        {event.environment && (
          <>
            <dt>Environment</dt>
            <dd>{event.environment}</dd>
          </>
        )}
        <dt>Client</dt>
        <dd>
          {event.clientIp ?? <span className="muted">no address</span>}
          {event.userAgent && <span className="muted small"> · {event.userAgent}</span>}
        </dd>
        <dt>Request id</dt>
        <dd>
          {event.requestId ? <code>{event.requestId}</code> : <span className="muted">none</span>}
          {event.clientRequestId && (
            <span className="muted small">
              {' '}
              (the client&apos;s: <code>{event.clientRequestId}</code>)
            </span>
          )}
        </dd>
      </dl>

      <h4>Before and after</h4>
      {entries.length === 0 ? (
        <p className="muted">This row records no before or after.</p>
      ) : (
        <>
          <p data-testid="diff-summary">{diffSummary(entries)}</p>
          <div className="diff">
            <DiffSide title="Before" entries={entries} side="before" />
            <DiffSide title="After" entries={entries} side="after" />
          </div>
        </>
      )}

      <div className="actions">
        {event.workspaceId && (
          <button type="button" onClick={() => onNarrow({ workspaceId: event.workspaceId ?? undefined })}>
            Only this workspace
          </button>
        )}
        {event.actor.id && (
          <button type="button" onClick={() => onNarrow({ actorType: event.actor.type, actorId: event.actor.id ?? undefined })}>
            Only this actor
          </button>
        )}
        {event.target?.id && (
          <button type="button" onClick={() => onNarrow({ targetType: event.target?.type, targetId: event.target?.id ?? undefined })}>
            Only this target
          </button>
        )}
      </div>
    </section>
  );
}

/** One side of the diff: each key's JSON on its own block, highlighted when it differs from the other side. */
function DiffSide({ title, entries, side }: { title: string; entries: DiffEntry[]; side: 'before' | 'after' }) {
  const shown = entries.filter((entry) => entry[side] !== undefined);
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <pre data-testid={`diff-${side}`}>
        {shown.length === 0 ? (
          <span className="muted">(nothing)</span>
        ) : (
          shown.map((entry) => (
            <span
              key={entry.key ?? ''}
              className={entry.change === 'same' ? undefined : 'changed'}
              data-change={entry.change}
              data-key={entry.key ?? undefined}
            >
              {entry.key === null ? entry[side] : `${JSON.stringify(entry.key)}: ${entry[side]}`}
            </span>
          ))
        )}
      </pre>
    </figure>
  );
}
