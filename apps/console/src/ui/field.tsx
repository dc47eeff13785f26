import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  errors?: string[];
};

/** A labelled input whose hint and errors are tied to it for screen readers. */
export function Field({ label, value, onChange, hint, errors, ...input }: FieldProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', errors?.length ? `${id}-errors` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-describedby={described}
        aria-invalid={errors?.length ? true : undefined}
        {...input}
      />
      {hint && (
        <div id={`${id}-hint`} className="hint">
          {hint}
        </div>
      )}
      {errors?.length ? (
        <div id={`${id}-errors`} className="field-error">
          {errors.join('; ')}
        </div>
      ) : null}
    </div>
  );
}
