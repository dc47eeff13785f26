import { useId } from 'react';

/** Allowed origins, one a line, in a labelled textarea with its hint and the API's errors tied to it. */
export function OriginsField({ value, onChange, errors }: { value: string; onChange: (value: string) => void; errors?: string[] }) {
  const id = useId();
  const described = [`${id}-hint`, errors?.length ? `${id}-errors` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>Allowed origins</label>
      <textarea
        id={id}
        rows={3}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-describedby={described}
        aria-invalid={errors?.length ? true : undefined}
        spellCheck={false}
        autoComplete="off"
      />
      <div id={`${id}-hint`} className="hint">
        One a line, as browsers send them: <code>https://app.example.com</code>. None: no browser origin may call with this workspace’s keys
        (servers still can).
      </div>
      {errors?.length ? (
        <div id={`${id}-errors`} className="field-error">
          {errors.join('; ')}
        </div>
      ) : null}
    </div>
  );
}

/** The API's errors for the origins list (`allowedOrigins`, or one of its items), for OriginsField. */
export function originErrors(fields: Record<string, string[]>): string[] | undefined {
  const messages = Object.entries(fields)
    .filter(([field]) => field === 'allowedOrigins' || field.startsWith('allowedOrigins.') || field.startsWith('allowedOrigins['))
    .flatMap(([, list]) => list);
  return messages.length > 0 ? messages : undefined;
}
