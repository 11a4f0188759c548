import { useFormikContext } from 'formik';
import type { Platform } from '../../api/types';
import { S } from '../../strings';
import { Field } from '../Field';
import { BrowserPixelFields } from './BrowserPixelFields';
import { GoogleConnect } from './GoogleConnect';
import { selectedEvents, type Mode, type PixelFormValues } from './schema';

const F = S.modal.fields;

interface Props {
  mode: Mode;
  serverErrors: Record<string, string>;
  /** After the platform refused the credentials, the token is what to fix first. */
  focusToken?: boolean;
}

export function CredentialsStep({ mode, serverErrors, focusToken }: Props) {
  const { values, errors, submitCount } = useFormikContext<PixelFormValues>();
  const actionsError = submitCount > 0 && typeof errors.conversionActions === 'string' ? errors.conversionActions : '';
  const platform = values.platform as Platform;
  const tokenHint = mode === 'edit' ? F.accessTokenEditHint : undefined;
  return (
    <div className="credentials">
      <p className="hint">{S.platform.where[platform]}</p>
      {platform === 'Google' && mode === 'create' && <GoogleConnect serverError={serverErrors.googleConnection} />}
      {platform === 'Google' && mode === 'create' && !values.googleConnection ? null : platform === 'Google' ? (
        <>
          <Field
            name="pixelId"
            label={F.customerId}
            hint={F.customerIdHint}
            inputMode="numeric"
            readOnly={mode === 'edit'}
            autoFocus={mode === 'create' && !focusToken}
            serverError={serverErrors.pixelId}
          />
          {mode === 'edit' && (
            <Field
              name="token"
              label={F.refreshToken}
              hint={tokenHint}
              secret
              autoFocus={mode === 'edit' || !!focusToken}
              serverError={serverErrors.token}
            />
          )}
          <Field
            name="loginCustomerId"
            label={F.loginCustomerId}
            hint={F.loginCustomerIdHint}
            inputMode="numeric"
            serverError={serverErrors.loginCustomerId}
          />
          <fieldset>
            <legend>{F.conversionActionsHeading}</legend>
            {selectedEvents(values).map((event) => (
              <Field
                key={event}
                name={`conversionActions.${event}`}
                label={F.conversionAction(S.events.label[event])}
                inputMode="numeric"
                serverError={serverErrors[`conversionActions.${event}`]}
              />
            ))}
            <p className="field-error" role="alert">
              {actionsError}
            </p>
          </fieldset>
        </>
      ) : (
        <>
          <Field
            name="pixelId"
            label={platform === 'Meta' ? F.pixelIdMeta : F.pixelIdTikTok}
            inputMode={platform === 'Meta' ? 'numeric' : 'text'}
            readOnly={mode === 'edit'}
            autoFocus={mode === 'create' && !focusToken}
            serverError={serverErrors.pixelId}
          />
          <Field
            name="token"
            label={F.accessToken}
            hint={tokenHint}
            secret
            autoFocus={mode === 'edit' || !!focusToken}
            serverError={serverErrors.token}
          />
          <Field
            name="testEventCode"
            label={F.testEventCode}
            hint={F.testEventCodeHint}
            serverError={serverErrors.testEventCode}
          />
        </>
      )}
      {(platform !== 'Google' || mode === 'edit' || values.googleConnection) && <BrowserPixelFields serverErrors={serverErrors} />}
    </div>
  );
}
