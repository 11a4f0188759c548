// The page: KPIs, the connected pixels (or the empty state), the modal, logs, and the guides.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { browser, takeGoogleReturn, type GoogleReturn } from '../api/navigate';
import { useApi } from '../api/ApiContext';
import { toApiError } from '../api/client';
import { api } from '../api/endpoints';
import type { TrackingConfig } from '../api/types';
import { useAlerts } from '../hooks/useConfigDetails';
import { ALERTS_KEY, replaceIn, usePixelConfigurations } from '../hooks/usePixelConfigurations';
import { S } from '../strings';
import { AddPixelModal } from './AddPixelModal/AddPixelModal';
import { AlertsBanner } from './AlertsBanner';
import { DedupGuide } from './DedupGuide';
import { KpiPanel } from './KpiPanel';
import { LogsDialog } from './LogsDialog';
import { PixelConfigCard } from './PixelConfigCard';

export function PixelManagerDashboard() {
  const { data, isLoading, isError, error, refetch, updatePixelStatus, updatePixelBrowserPixel, deletePixel } =
    usePixelConfigurations();
  const { data: openAlerts } = useAlerts();
  const http = useApi();
  const qc = useQueryClient();
  // Back from "Conectar con Google": reopen the modal where the trainer left it, connected; back
  // from "Reconectar con Google" (started on a card): give the config its new connection.
  const [google] = useState<GoogleReturn | null>(() => takeGoogleReturn());
  const [modal, setModal] = useState<{ open: boolean; config: TrackingConfig | null; google?: GoogleReturn | null }>({
    open: google !== null && !google.reconnect,
    config: null,
    google: google?.reconnect ? null : google,
  });
  const [reconnect, setReconnect] = useState<{ kind: 'idle' | 'sending' | 'ok' | 'failed'; text: string }>({
    kind: 'idle',
    text: '',
  });
  const reconnectSent = useRef(false);
  useEffect(() => {
    if (!google?.reconnect || reconnectSent.current) return;
    reconnectSent.current = true; // the connection is single-use: never PATCH it twice
    const id = google.reconnect;
    setReconnect({ kind: 'sending', text: S.google.reconnecting });
    api
      .updateConfig(http, id, { googleConnection: google.connection })
      .then((updated) => {
        // The answer is the config as it now is: show it at once, whatever a list fetch
        // started before the PATCH brings back.
        if (updated && typeof updated === 'object' && 'id' in updated) replaceIn(qc, updated);
        setReconnect({ kind: 'ok', text: S.google.reconnected });
      })
      .catch((e: unknown) => {
        const err = toApiError(e);
        if (err.status === 401) return; // the page switches to "sesión caducada"
        setReconnect({ kind: 'failed', text: err.status === null ? S.errors.network : S.google.reconnectFailed });
      })
      .finally(() => {
        void qc.invalidateQueries({ queryKey: ['tracking-configs'] });
        void qc.invalidateQueries({ queryKey: ALERTS_KEY });
      });
  }, [google, http, qc]);
  const reconnectGoogle = async (config: TrackingConfig) => {
    try {
      const { authUrl } = await api.startGoogleReconnection(http, config.id);
      browser.go(authUrl);
    } catch (e) {
      const err = toApiError(e);
      if (err.status === 401) return;
      setReconnect({
        kind: 'failed',
        text: err.status === 409 ? S.google.notConfigured : err.status === null ? S.errors.network : S.google.connectFailed,
      });
    }
  };
  const [logsFor, setLogsFor] = useState<TrackingConfig | null>(null);

  const openAdd = () => setModal({ open: true, config: null });
  const sendTest = async (id: string) => {
    try {
      return await api.sendTest(http, id);
    } finally {
      void qc.invalidateQueries({ queryKey: ['logs', id] });
      void qc.invalidateQueries({ queryKey: ['tracking-configs'] });
    }
  };
  const configs = data ?? [];

  return (
    <main className="page">
      <header className="page-head">
        <div>
          <h1>{S.app.title}</h1>
          <p className="muted">{S.app.subtitle}</p>
        </div>
        {configs.length > 0 && (
          <button type="button" className="primary" onClick={openAdd}>
            {S.app.addPixel}
          </button>
        )}
      </header>

      <p className="note" role="note">
        {S.app.delayNote}
      </p>

      {reconnect.kind !== 'idle' && (
        <p role="status" className={reconnect.kind === 'failed' ? 'state error' : 'note'}>
          {reconnect.text}
        </p>
      )}

      {isLoading && (
        <p role="status" className="state">
          {S.app.loading}
        </p>
      )}

      {isError && (
        <div role="alert" className="state error">
          <h2>{S.app.errorTitle}</h2>
          <p>{toApiError(error).status === null ? S.errors.network : toApiError(error).message || S.errors.generic}</p>
          <button type="button" className="secondary" onClick={() => void refetch()}>
            {S.app.retry}
          </button>
        </div>
      )}

      {!isLoading && !isError && configs.length === 0 && (
        <section className="state empty" aria-labelledby="empty-title">
          <h2 id="empty-title">{S.app.emptyTitle}</h2>
          <p>{S.app.emptyBody}</p>
          <button type="button" className="primary" onClick={openAdd}>
            {S.app.emptyCta}
          </button>
        </section>
      )}

      {configs.length > 0 && (
        <>
          <AlertsBanner />
          <KpiPanel fallbackActive={configs.filter((c) => c.isActive).length} />
          <section aria-labelledby="configs-heading">
            <h2 id="configs-heading">{S.app.configsHeading}</h2>
            <ul className="cards">
              {configs.map((config) => (
                <li key={config.id}>
                  <PixelConfigCard
                    config={config}
                    onToggleStatus={updatePixelStatus}
                    onToggleBrowserPixel={updatePixelBrowserPixel}
                    onEdit={(c) => setModal({ open: true, config: c })}
                    onReconnectGoogle={(c) => void reconnectGoogle(c)}
                    onViewLogs={setLogsFor}
                    onSendTest={sendTest}
                    onDelete={deletePixel}
                    alerts={(openAlerts ?? []).filter((a) => a.configId === config.id)}
                  />
                </li>
              ))}
            </ul>
          </section>
        </>
      )}

      <DedupGuide />

      <AddPixelModal
        open={modal.open}
        config={modal.config}
        google={modal.google}
        onClose={() => setModal({ open: false, config: null })}
      />
      <LogsDialog config={logsFor} onClose={() => setLogsFor(null)} />
    </main>
  );
}
