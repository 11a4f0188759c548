import { useField } from 'formik';
import { PLATFORMS } from '../../api/types';
import { S } from '../../strings';
import { PlatformLogo } from '../PlatformLogo';

export function PlatformStep() {
  const [field, meta, helpers] = useField<string>('platform');
  return (
    <fieldset className="platforms">
      <legend>{S.modal.choosePlatform}</legend>
      {PLATFORMS.map((p, i) => (
        <label key={p} className={`platform-option${field.value === p ? ' selected' : ''}`}>
          <input
            type="radio"
            name="platform"
            value={p}
            checked={field.value === p}
            onChange={() => helpers.setValue(p)}
            autoFocus={i === 0 && !field.value}
          />
          <PlatformLogo platform={p} />
          <span className="platform-text">
            <strong>{S.platform.name[p]}</strong>
            <span>{S.platform.needs[p]}</span>
            <small>{S.platform.where[p]}</small>
          </span>
        </label>
      ))}
      <p className="field-error" role="alert">
        {meta.touched && meta.error ? meta.error : ''}
      </p>
    </fieldset>
  );
}
