import { useId, type InputHTMLAttributes, type ReactNode, type TextareaHTMLAttributes } from 'react';

interface Described {
  label: string;
  hint?: ReactNode;
  errors?: string[];
}

/** What a control needs to be tied to its label, hint and errors for screen readers. */
interface ControlAttributes {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': true | undefined;
}

/** A label, the control, its hint and its errors, tied together by ids (every labelled control below). */
function Labelled({ label, hint, errors, control }: Described & { control: (attributes: ControlAttributes) => ReactNode }) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', errors?.length ? `${id}-errors` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control({ id, 'aria-describedby': described, 'aria-invalid': errors?.length ? true : undefined })}
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

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> &
  Described & {
    value: string;
    onChange: (value: string) => void;
  };

/** A labelled input. */
export function Field({ label, value, onChange, hint, errors, ...input }: FieldProps) {
  return (
    <Labelled
      label={label}
      hint={hint}
      errors={errors}
      control={(attributes) => <input {...attributes} value={value} onChange={(event) => onChange(event.target.value)} {...input} />}
    />
  );
}

type TextAreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'onChange' | 'value'> &
  Described & {
    value: string;
    onChange: (value: string) => void;
  };

/** A labelled textarea. */
export function TextArea({ label, value, onChange, hint, errors, ...textarea }: TextAreaProps) {
  return (
    <Labelled
      label={label}
      hint={hint}
      errors={errors}
      control={(attributes) => <textarea {...attributes} value={value} onChange={(event) => onChange(event.target.value)} {...textarea} />}
    />
  );
}

/** A labelled select of fixed options. */
export function Select<T extends string>({
  label,
  value,
  options,
  onChange,
  hint,
}: Omit<Described, 'errors'> & {
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
}) {
  return (
    <Labelled
      label={label}
      hint={hint}
      control={(attributes) => (
        <select
          {...attributes}
          value={value}
          onChange={(event) => onChange(options.find((option) => option.value === event.target.value)?.value ?? value)}
        >
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}
