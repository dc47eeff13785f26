import { useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { Pager, usePager } from '../../ui/pager';
import { ProblemAlert } from '../../ui/problem-alert';
import { AuditEventDetail } from './audit-event-detail';
import { ACTOR_TYPES, searchFromFilter, type AuditFilter } from './audit-filter';
import { formatInstant } from './audit-format';

const COLUMNS = 7;

/**
 * The events matching the applied filter, newest first, a page at a time (keyset: Next follows
 * the API's cursor, Previous walks back the cursors seen). Mounted anew for each filter, so a
 * new filter starts on page 1. A row opens in place to its detail and diff.
 */
export function AuditEventsList({
  filter,
  workspaceNames,
  descriptions,
  onNarrow,
}: {
  filter: AuditFilter;
  workspaceNames: ReadonlyMap<string, string>;
  descriptions: ReadonlyMap<string, string>;
  onNarrow: (filter: AuditFilter) => void;
}) {
  const pager = usePager();
  const [open, setOpen] = useState<string>();
  const page = useQuery({
    queryKey: ['audit', 'events', searchFromFilter(filter).toString(), pager.cursor],
    queryFn: async () => unwrap(await api.GET('/v1/audit/events', { params: { query: { ...filter, cursor: pager.cursor } } })),
  });

  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">Events</h2>
      {page.isPending && (
        <p role="status" className="muted">
          Loading events…
        </p>
      )}
      <ProblemAlert error={page.error} />
      {page.data && page.data.events.length === 0 && (
        <p role="status" className="muted">
          No event matches these filters{pager.page > 1 ? ' on this page' : ''}.
        </p>
      )}
      {page.data && page.data.events.length > 0 && (
        <table>
          <caption className="muted small" data-testid="events-caption">
            Page {pager.page}: {page.data.events.length} event{page.data.events.length === 1 ? '' : 's'}, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">Workspace</th>
              <th scope="col">Outcome</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {page.data.events.map((event) => {
              const expanded = open === event.id;
              const detailId = `event-${event.id}-detail`;
              return (
                <Fragment key={event.id}>
                  <tr data-testid="audit-row" data-action={event.action}>
                    <td>
                      <time dateTime={event.occurredAt}>{formatInstant(event.occurredAt)}</time>
                    </td>
                    <td>
                      <code>{event.action}</code>
                    </td>
                    <td>
                      {ACTOR_TYPES[event.actor.type]}
                      {event.actor.id && (
                        <>
                          {' '}
                          <code className="small">{event.actor.id}</code>
                        </>
                      )}
                    </td>
                    <td>
                      {event.target ? (
                        <>
                          {event.target.type}
                          {event.target.id && (
                            <>
                              {' '}
                              <code className="small">{event.target.id}</code>
                            </>
                          )}
                        </>
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                    <td>
                      {event.workspaceId ? (
                        (workspaceNames.get(event.workspaceId) ?? <code className="small">{event.workspaceId}</code>)
                      ) : (
                        <span className="muted">platform</span>
                      )}
                    </td>
                    <td>
                      <span className={`badge outcome-${event.outcome}`}>{event.outcome}</span>
                    </td>
                    <td>
                      <button
                        type="button"
                        aria-expanded={expanded}
                        aria-controls={expanded ? detailId : undefined}
                        aria-label={`${expanded ? 'Hide' : 'Show'} event ${event.id}`}
                        onClick={() => setOpen(expanded ? undefined : event.id)}
                      >
                        {expanded ? 'Hide' : 'Show'}
                      </button>
                    </td>
                  </tr>
                  {expanded && (
                    <tr id={detailId}>
                      <td colSpan={COLUMNS}>
                        <AuditEventDetail
                          event={event}
                          workspaceName={event.workspaceId ? workspaceNames.get(event.workspaceId) : undefined}
                          description={descriptions.get(event.action)}
                          onNarrow={onNarrow}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
      {(pager.page > 1 || page.data?.nextCursor) && <Pager pager={pager} nextCursor={page.data?.nextCursor} />}
    </section>
  );
}
