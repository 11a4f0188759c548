// One connected pixel: identity, health, the on/off switch and its actions.
import type { Alert } from '../api/types';
import { AlertBadge } from './AlertsBanner';
import { Switch } from '@headlessui/react';
import { useState } from 'react';
import { toApiError } from '../api/client';
import type { TestEventResult, TrackingConfig } from '../api/types';
import { S } from '../strings';
import { ConfirmDialog } from './ConfirmDialog';
import { healthOf } from './health';
import { PlatformLogo } from './PlatformLogo';

export interface PixelConfigCardProps {
  config: TrackingConfig;
  /** Optimistic in the caller's cache; a rejection means it was rolled back. */
  onToggleStatus: (id: string, newStatus: boolean) => Promise<unknown>;
  /** Same contract as onToggleStatus, for the browser pixel. */
  onToggleBrowserPixel: (id: string, on: boolean) => Promise<unknown>;
  onEdit: (config: TrackingConfig) => void;
  /** Google only: start "Reconectar con Google" for this config (shown when Google refused its grant). */
  onReconnectGoogle?: (config: TrackingConfig) => void;
  onViewLogs: (config: TrackingConfig) => void;
  onSendTest: (id: string) => Promise<TestEventResult>;
  onDelete: (id: string) => Promise<unknown>;
  /** This config's open alerts (issue 15); none when absent. */
  alerts?: Alert[];
}

type TestState = { kind: 'idle' } | { kind: 'sending' } | { kind: 'ok'; text: string } | { kind: 'failed'; text: string };

export function PixelConfigCard({
  config,
  onToggleStatus,
  onToggleBrowserPixel,
  onEdit,
  onReconnectGoogle,
  onViewLogs,
  onSendTest,
  onDelete,
  alerts,
}: PixelConfigCardProps) {
  const [toggleError, setToggleError] = useState<string | null>(null);
  const [browserError, setBrowserError] = useState<string | null>(null);
  const [test, setTest] = useState<TestState>({ kind: 'idle' });
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const health = healthOf(config);
  const name = S.card.actionsFor(config.platform, config.pixelId);

  const toggle = async (next: boolean) => {
    setToggleError(null);
    try {
      await onToggleStatus(config.id, next);
    } catch {
      setToggleError(S.card.toggleFailed);
    }
  };

  const toggleBrowserPixel = async (next: boolean) => {
    setBrowserError(null);
    // Google's browser pixel is its tag: without the id the server refuses, so say what to do first.
    if (next && config.platform === 'Google' && !config.googleTagId) {
      setBrowserError(S.card.browserPixelNeedsTag);
      return;
    }
    try {
      await onToggleBrowserPixel(config.id, next);
    } catch (e) {
      setBrowserError(toApiError(e).fields.googleTagId ? S.card.browserPixelNeedsTag : S.card.browserPixelFailed);
    }
  };

  const sendTest = async () => {
    setTest({ kind: 'sending' });
    try {
      const result = await onSendTest(config.id);
      setTest(
        result?.delivered
          ? { kind: 'ok', text: S.card.testOk }
          : { kind: 'failed', text: S.card.testFailed(result?.platformMessage || S.errors.generic) },
      );
    } catch (e) {
      const err = toApiError(e);
      setTest({ kind: 'failed', text: S.card.testFailed(err.message || (err.status === null ? S.errors.network : S.errors.generic)) });
    }
  };

  const remove = async () => {
    setDeleting(true);
    setDeleteError(null);
    try {
      await onDelete(config.id);
      setConfirming(false);
    } catch {
      setDeleteError(S.card.deleteFailed);
    } finally {
      setDeleting(false);
    }
  };

  return (
    <article className="card" aria-label={name}>
      <header className="card-head">
        <PlatformLogo platform={config.platform} />
        <div className="card-title">
          <h3>{S.platform.short[config.platform]}</h3>
          <p>
            <span className="muted">{S.card.pixelId(config.platform)}: </span>
            <code>{config.pixelId}</code>
          </p>
          {config.platform === 'Google' && config.googleApi && (
            <p className="card-api">
              <span className="muted">{S.google.apiLabel}: </span>
              {S.google.api[config.googleApi]}
            </p>
          )}
        </div>
        <span className={`badge badge-${health.status}`}>{S.health[health.status]}</span>
        <AlertBadge alerts={alerts ?? []} />
      </header>

      {health.lastError && (
        <p className="card-error">
          <span className="muted">{S.card.lastError}: </span>
          {health.lastError}
        </p>
      )}

      <div className="card-switch">
        <Switch
          checked={config.isActive}
          onChange={toggle}
          aria-label={S.card.toggleLabel(config.platform, config.pixelId)}
          className={`switch${config.isActive ? ' on' : ''}`}
        >
          <span className="switch-knob" aria-hidden="true" />
        </Switch>
        <span aria-hidden="true">{config.isActive ? S.card.activeOn : S.card.activeOff}</span>
      </div>
      <p role="alert" className="field-error">
        {toggleError ?? ''}
      </p>
      <div className="card-switch">
        <Switch
          checked={config.browserPixel}
          onChange={toggleBrowserPixel}
          aria-label={S.card.browserPixelLabel(config.platform, config.pixelId)}
          className={`switch${config.browserPixel ? ' on' : ''}`}
        >
          <span className="switch-knob" aria-hidden="true" />
        </Switch>
        <span aria-hidden="true">{config.browserPixel ? S.card.browserPixelOn : S.card.browserPixelOff}</span>
      </div>
      <p role="alert" className="field-error">
        {browserError ?? ''}
      </p>

      <p className="card-last">
        <span className="muted">{S.card.lastEvent}: </span>
        {config.lastEvent ? (
          <>
            {S.time.format(config.lastEvent.time)} ·{' '}
            <span className={`status status-${config.lastEvent.status}`}>
              {S.logs.status[config.lastEvent.status] ?? config.lastEvent.status}
            </span>
          </>
        ) : (
          S.card.noEvents
        )}
      </p>
      <p className="muted small">{S.card.trackedEvents(config.trackedEvents?.length ?? 0)}</p>

      <div className="card-actions">
        {config.platform === 'Google' && health.status === 'credentials_invalid' && onReconnectGoogle && (
          <button type="button" className="primary" onClick={() => onReconnectGoogle(config)}>
            {S.google.reconnect}
          </button>
        )}
        <button type="button" className="secondary" onClick={() => onEdit(config)}>
          {S.card.edit}
        </button>
        <button type="button" className="secondary" onClick={() => onViewLogs(config)}>
          {S.card.logs}
        </button>
        <button type="button" className="secondary" onClick={sendTest} disabled={test.kind === 'sending'}>
          {test.kind === 'sending' ? S.card.testing : S.card.test}
        </button>
        <button type="button" className="danger-link" onClick={() => setConfirming(true)}>
          {S.card.delete}
        </button>
      </div>
      <p aria-live="polite" className={test.kind === 'failed' ? 'field-error' : 'ok-text'}>
        {test.kind === 'ok' || test.kind === 'failed' ? test.text : ''}
      </p>

      <ConfirmDialog
        open={confirming}
        title={S.confirmDelete.title}
        body={S.confirmDelete.body(config.platform, config.pixelId)}
        confirmLabel={S.confirmDelete.confirm}
        busy={deleting}
        error={deleteError}
        onConfirm={remove}
        onClose={() => setConfirming(false)}
      />
    </article>
  );
}
