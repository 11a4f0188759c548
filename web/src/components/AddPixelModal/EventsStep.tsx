import { useFormikContext } from 'formik';
import { STANDARD_EVENTS, type StandardEvent } from '../../api/types';
import { S } from '../../strings';
import type { MappingRow, PixelFormValues } from './schema';

export function EventsStep({ serverError }: { serverError?: string }) {
  const { values, setFieldValue, errors, submitCount, submitForm } = useFormikContext<PixelFormValues>();
  // TrainerERP event names contain dots: set the whole map, never a dotted Formik path.
  const setRow = (trainer: string, row: MappingRow) => setFieldValue('mappings', { ...values.mappings, [trainer]: row });
  const error = (submitCount > 0 && typeof errors.mappings === 'string' ? errors.mappings : '') || serverError || '';
  return (
    <fieldset className="mappings">
      <legend>{S.modal.mappingHeading}</legend>
      <p className="hint">{S.modal.mappingHint}</p>
      {/* Enter on a checkbox or select moves on, as it does in the text fields of the other steps. */}
      <table
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.target as HTMLElement).tagName !== 'BUTTON') {
            e.preventDefault();
            void submitForm();
          }
        }}
      >
        <tbody>
          {Object.entries(values.mappings).map(([trainer, row], i) => {
            const checkboxId = `send-${trainer}`;
            return (
              <tr key={trainer}>
                <td>
                  <input
                    id={checkboxId}
                    type="checkbox"
                    checked={row.send}
                    autoFocus={i === 0}
                    onChange={(e) => setRow(trainer, { ...row, send: e.target.checked })}
                  />{' '}
                  <label htmlFor={checkboxId}>
                    {S.events.trainer[trainer] ?? trainer} <code>{trainer}</code>
                  </label>
                </td>
                <td>
                  <select
                    aria-label={S.events.mappingLabel(trainer)}
                    value={row.event}
                    disabled={!row.send}
                    onChange={(e) =>
                      setRow(trainer, { ...row, event: e.target.value as StandardEvent })
                    }
                  >
                    {STANDARD_EVENTS.map((ev) => (
                      <option key={ev} value={ev}>
                        {S.events.label[ev]} ({ev})
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="field-error" role="alert">
        {error}
      </p>
    </fieldset>
  );
}
