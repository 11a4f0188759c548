// The browser pixel switch of the credentials step and, for Google, the tag id and the
// conversion label of each tracked event (shown only while the switch is on).
import { useFormikContext } from 'formik';
import { useId } from 'react';
import type { Platform } from '../../api/types';
import { S } from '../../strings';
import { Field } from '../Field';
import { trackedFor, type PixelFormValues } from './schema';

const F = S.modal.fields;

export function BrowserPixelFields({ serverErrors }: { serverErrors: Record<string, string> }) {
  const { values, setFieldValue, submitForm } = useFormikContext<PixelFormValues>();
  const id = useId();
  const platform = values.platform as Platform;
  return (
    <fieldset className="browser-pixel">
      <div className="check-row">
        <input
          id={id}
          type="checkbox"
          checked={values.browserPixel}
          aria-describedby={`${id}-hint`}
          onChange={(e) => void setFieldValue('browserPixel', e.target.checked)}
          // Enter moves on, as it does in the text fields around it.
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void submitForm();
            }
          }}
        />
        <label htmlFor={id}>{F.browserPixel}</label>
      </div>
      <p id={`${id}-hint`} className="hint">
        {F.browserPixelHint}
      </p>
      <p className="field-error" role="alert">
        {serverErrors.browserPixel ?? ''}
      </p>
      {platform === 'Google' && values.browserPixel && (
        <>
          <Field name="googleTagId" label={F.googleTagId} hint={F.googleTagIdHint} serverError={serverErrors.googleTagId} />
          <fieldset>
            <legend>{F.conversionLabelsHeading}</legend>
            <p className="hint">{F.conversionLabelsHint}</p>
            {trackedFor(values).map((event) => (
              <Field
                key={event}
                name={`conversionLabels.${event}`}
                label={F.conversionLabel(S.events.label[event])}
                serverError={serverErrors[`conversionLabels.${event}`]}
              />
            ))}
          </fieldset>
        </>
      )}
    </fieldset>
  );
}
