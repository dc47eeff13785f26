import { useMutation } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ProblemAlert } from '../../ui/problem-alert';
import { ShownOnce } from '../../ui/shown-once';

/**
 * A new set of recovery codes (a step-up route: the client asks for a fresh second factor when
 * needed), shown once with copy and download; the old set stops working at once.
 */
export function RecoveryCodesCard() {
  const regenerate = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/auth/recovery-codes')),
  });
  const codes = regenerate.data?.recoveryCodes;
  return (
    <section className="card" aria-labelledby="recovery-heading">
      <h2 id="recovery-heading">Recovery codes</h2>
      <p>
        Each recovery code signs you in once if you lose your authenticator app. Regenerate them when you have used some or fear they were
        seen: the whole old set stops working at once, and the new set is shown only once.
      </p>
      {codes ? (
        <>
          <ShownOnce label="Recovery codes" value={codes.join('\n')} downloadName="ringfence-recovery-codes.txt" />
          <div className="actions">
            <button type="button" className="primary" onClick={() => regenerate.reset()}>
              I have saved my recovery codes
            </button>
          </div>
        </>
      ) : (
        <>
          <ProblemAlert error={regenerate.error} />
          <div className="actions">
            <button type="button" disabled={regenerate.isPending} onClick={() => regenerate.mutate()}>
              {regenerate.isPending ? 'Regenerating…' : 'Regenerate recovery codes'}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
