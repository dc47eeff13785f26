import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, unwrap } from '../api/client';
import { Dialog } from '../ui/dialog';
import { Field } from '../ui/field';
import { ProblemAlert } from '../ui/problem-alert';
import { stepUp } from './step-up-bridge';

/**
 * Mounted once in the signed-in layout: when a route answers STEP_UP_REQUIRED the client asks
 * here; the admin gives a TOTP or recovery code (POST /v1/auth/step-up), and the action is
 * retried. Cancelling fails the action with the route's own answer.
 */
export function StepUpDialog() {
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const settle = useRef<((ok: boolean) => void) | undefined>(undefined);

  useEffect(
    () =>
      stepUp.attach(
        () =>
          new Promise<boolean>((resolve) => {
            settle.current = resolve;
            setCode('');
            setError(undefined);
            setOpen(true);
          }),
      ),
    [],
  );

  const finish = (ok: boolean): void => {
    setOpen(false);
    settle.current?.(ok);
    settle.current = undefined;
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(await api.POST('/v1/auth/step-up', { body: { code: code.trim() } }));
      finish(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (!open) return null;
  return (
    <Dialog title="Confirm it is you" onClose={() => finish(false)}>
      <form onSubmit={(event) => void submit(event)}>
        <p>This action needs a fresh second factor. Enter the code from your authenticator app, or a recovery code.</p>
        <Field label="Code" value={code} onChange={setCode} autoComplete="one-time-code" inputMode="text" autoFocus required />
        <ProblemAlert error={error} />
        <div className="actions">
          <button type="submit" disabled={busy || code.trim() === ''}>
            Confirm
          </button>
          <button type="button" onClick={() => finish(false)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
