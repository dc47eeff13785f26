import { useState, type FormEvent } from 'react';
import { Dialog } from './dialog';
import { Field } from './field';
import { ProblemAlert } from './problem-alert';

/** A destructive action confirmed by typing the thing's name, as the big consoles do. */
export function TypedConfirmation({
  title,
  expected,
  action,
  consequence,
  onConfirm,
  onClose,
}: {
  title: string;
  expected: string;
  action: string;
  consequence: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <p>{consequence}</p>
        <Field label={`Type “${expected}” to confirm`} value={typed} onChange={setTyped} autoComplete="off" required />
        <ProblemAlert error={error} />
        <div className="actions">
          <button type="submit" className="danger" disabled={typed !== expected || busy}>
            {action}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
