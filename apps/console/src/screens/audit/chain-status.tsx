import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/ringfence-api';
import { ProblemAlert } from '../../ui/problem-alert';
import { formatInstant } from './audit-format';

/**
 * The hash chain's state (GET /v1/audit/verify): verified or broken, how many sealed rows were
 * walked, how many are written but not sealed yet (so not covered), and the first break. A
 * walk of the whole chain is long on a large log: it runs when the page opens and on demand.
 */
export function ChainStatus() {
  const report = useQuery({
    queryKey: ['audit', 'verify'],
    queryFn: async () => unwrap(await api.GET('/v1/audit/verify')),
    staleTime: 60_000,
  });
  const data = report.data;
  return (
    <section className="card" aria-labelledby="chain-heading">
      <h2 id="chain-heading">Hash chain</h2>
      <div role="status" data-testid="chain-status">
        {report.isFetching ? (
          <p className="muted">Verifying the chain…</p>
        ) : data ? (
          <>
            <p>
              <span className={`badge ${data.intact ? 'ok' : 'bad'}`}>{verdict(data)}</span> {explanation(data)}
            </p>
            <dl className="facts">
              <dt>Rows checked</dt>
              <dd data-testid="chain-checked">{data.checked}</dd>
              <dt>Verified through link</dt>
              <dd>{data.verifiedThroughSeq}</dd>
              <dt>Not sealed yet</dt>
              <dd data-testid="chain-unsealed">
                {data.unsealed}
                {data.oldestUnsealedAt && (
                  <span className="muted small">
                    {' '}
                    (oldest written {formatInstant(data.oldestUnsealedAt)}; the sealer links rows within seconds, this check does not cover
                    them yet)
                  </span>
                )}
              </dd>
              {data.firstBreak && (
                <>
                  <dt>First break</dt>
                  <dd data-testid="chain-break">
                    {data.firstBreak.seq === null ? 'A link' : `Link ${data.firstBreak.seq}`}
                    {data.firstBreak.auditId && (
                      <>
                        , audit row <code>{data.firstBreak.auditId}</code>
                      </>
                    )}
                    : {data.firstBreak.problem}
                  </dd>
                </>
              )}
            </dl>
          </>
        ) : null}
      </div>
      {report.error && !report.isFetching ? <ProblemAlert error={report.error} /> : null}
      <div className="actions">
        <button type="button" onClick={() => void report.refetch()} disabled={report.isFetching}>
          Verify now
        </button>
        {report.dataUpdatedAt > 0 && !report.isFetching && (
          <span className="muted small">Checked at {formatInstant(new Date(report.dataUpdatedAt).toISOString())}</span>
        )}
      </div>
    </section>
  );
}

type ChainReport = components['schemas']['ChainReport'];

function verdict(report: ChainReport): string {
  if (!report.intact) return 'Broken';
  return report.checked === 0 ? 'Nothing sealed yet' : 'Verified';
}

function explanation(report: ChainReport): string {
  if (!report.intact) return 'A sealed row was changed, removed or put out of order after it was written.';
  if (report.checked === 0) return 'No row is linked into the chain yet: there is nothing to verify so far.';
  return 'Every sealed row is as it was written, in its place.';
}
