import { ApiError, type ProblemCode } from '../api/problem';

/** What a failed call tells the admin: the problem's detail, its fields, when to retry, and the requestId for support. */
export function ProblemAlert({ error }: { error: unknown }) {
  if (!error) return null;
  if (!(error instanceof ApiError)) {
    return (
      <div role="alert" className="alert alert-error">
        <p>Something went wrong in the console: {error instanceof Error ? error.message : 'an unexpected failure'}</p>
      </div>
    );
  }
  const fields = Object.entries(error.fieldErrors());
  return (
    <div role="alert" className="alert alert-error">
      <p>
        <strong>{error.problem?.title ?? 'Request failed'}.</strong> {messageOf(error)}
      </p>
      {fields.length > 0 && (
        <ul>
          {fields.map(([field, messages]) => (
            <li key={field}>
              <code>{field}</code> {messages.join('; ')}
            </li>
          ))}
        </ul>
      )}
      {error.status === 429 && error.retryAfterSeconds !== undefined && (
        <p>
          Try again in <strong>{formatDelay(error.retryAfterSeconds)}</strong>.
        </p>
      )}
      {error.requestId && (
        <p className="muted small">
          Request id <code>{error.requestId}</code>
        </p>
      )}
    </div>
  );
}

/** The problem's detail in the admin's terms where the console knows better words. */
export function messageOf(error: ApiError): string {
  return (error.code && BETTER_WORDS[error.code]) ?? error.message;
}

const BETTER_WORDS: Partial<Record<ProblemCode, string>> = {
  LAST_OWNER:
    'This is the last active owner, and Ringfence always keeps at least one: make another admin an owner first, then demote or disable this one.',
  INSUFFICIENT_ROLE: 'Your role does not allow this action.',
  STEP_UP_REQUIRED: 'This action needs a fresh second factor, and none was given.',
  SECOND_FACTOR_REJECTED: 'That code was not accepted. Codes change every 30 seconds; a recovery code works once.',
};

export function formatDelay(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}
