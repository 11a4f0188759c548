// A labelled text input bound to Formik, with its hint and error wired for screen readers.
import { useField } from 'formik';
import { useEffect, useId, useState, type ChangeEvent, type InputHTMLAttributes } from 'react';
import { S } from '../strings';

interface Props extends Omit<InputHTMLAttributes<HTMLInputElement>, 'name'> {
  name: string;
  label: string;
  hint?: string;
  secret?: boolean;
  /** A server-side message for this field (400 details), shown until the user edits it. */
  serverError?: string;
}

export function Field({ name, label, hint, secret, serverError, ...rest }: Props) {
  const [field, meta] = useField<string>(name);
  const [reveal, setReveal] = useState(false);
  // A server message describes the value that was sent: hide it once the user changes that value.
  const [editedSinceServer, setEditedSinceServer] = useState(false);
  useEffect(() => setEditedSinceServer(false), [serverError]);
  const id = useId();
  // Validate as the user types: show the message once the field was touched or has content.
  const local = (meta.touched || (field.value ?? '') !== '') && meta.error ? meta.error : undefined;
  const shown = local ?? (editedSinceServer ? undefined : serverError);
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    setEditedSinceServer(true);
    field.onChange(e);
  };
  const describedBy = [hint ? `${id}-hint` : '', shown ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        <input
          id={id}
          {...field}
          onChange={onChange}
          value={field.value ?? ''}
          {...rest}
          type={secret && !reveal ? 'password' : 'text'}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={shown ? true : undefined}
          aria-describedby={describedBy}
        />
        {secret && (
          <button type="button" className="link" onClick={() => setReveal((r) => !r)} aria-pressed={reveal}>
            {reveal ? S.modal.fields.hideToken : S.modal.fields.showToken}
          </button>
        )}
      </div>
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      <p id={`${id}-error`} className="field-error" aria-live="polite">
        {shown ?? ''}
      </p>
    </div>
  );
}
