// The start of a new Google config: "Conectar con Google" sends the browser through Google's
// consent screen (the real OAuth flow); the callback brings it back with a pending connection,
// which the modal then completes with the customer id and conversion actions. The Ads API is
// offered only as an explicit choice, made before connecting (it needs its own scope).
import { useFormikContext } from 'formik';
import { useId, useState } from 'react';
import { useApi } from '../../api/ApiContext';
import { toApiError } from '../../api/client';
import { api } from '../../api/endpoints';
import { browser } from '../../api/navigate';
import { S } from '../../strings';
import type { PixelFormValues } from './schema';

const G = S.google;

export function GoogleConnect({ serverError }: { serverError?: string }) {
  const { values, errors, submitCount, setFieldValue } = useFormikContext<PixelFormValues>();
  const http = useApi();
  const id = useId();
  const [starting, setStarting] = useState(false);
  const [failure, setFailure] = useState('');

  const connect = async () => {
    setFailure('');
    setStarting(true);
    try {
      const { authUrl } = await api.startGoogleConnection(http, values.googleAdsApi ? 'adsApi' : 'dataManager');
      browser.go(authUrl);
    } catch (e) {
      const err = toApiError(e);
      if (err.status === 401) return; // the page switches to "sesión caducada"
      setFailure(err.status === 409 ? G.notConfigured : err.status === null ? S.errors.network : G.connectFailed);
      setStarting(false);
    }
  };

  const apiChoice = (
    <div className="check-row">
      <input
        id={id}
        type="checkbox"
        checked={values.googleAdsApi}
        disabled={!!values.googleConnection}
        aria-describedby={`${id}-hint`}
        onChange={(e) => void setFieldValue('googleAdsApi', e.target.checked)}
      />
      <label htmlFor={id}>{G.adsApi}</label>
    </div>
  );

  if (values.googleConnection && !serverError) {
    return (
      <div className="google-connect">
        <p className="connected" role="status">
          {G.connected}
        </p>
        {values.googleAdsApi && apiChoice}
      </div>
    );
  }
  const required = submitCount > 0 && typeof errors.googleConnection === 'string' ? errors.googleConnection : '';
  return (
    <div className="google-connect">
      <p className="hint">{G.connectHint}</p>
      <button type="button" className="primary" onClick={() => void connect()} disabled={starting}>
        {starting ? G.connecting : G.connect}
      </button>
      {apiChoice}
      <p id={`${id}-hint`} className="hint">
        {G.adsApiHint}
      </p>
      <p className="field-error" role="alert">
        {failure || (serverError ? G.connectionLost : '') || required}
      </p>
    </div>
  );
}
