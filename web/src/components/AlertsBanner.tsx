// The open alerts above everything else, each in the trainer's words; and the per-card badge.
import type { Alert, TrackingConfig } from '../api/types';
import { useAlerts } from '../hooks/useConfigDetails';
import { S } from '../strings';
import { healthOf } from './health';

const A = S.alerts;

export function alertText(a: Alert): string {
  const platform = a.platform ?? '';
  if (a.kind === 'credentials_refused') return A.kind.credentials_refused(platform);
  if (a.kind === 'dead_letters_today') return A.kind.dead_letters_today(platform, a.count ?? 0);
  if (a.kind === 'success_rate_low') return A.kind.success_rate_low(platform, a.count ?? 0);
  if (a.kind === 'google_request_failures') return A.kind.google_request_failures(platform, a.count ?? 0);
  if (a.kind === 'site_silent') return A.kind.site_silent(a.host ?? '');
  return A.unknown(platform || a.host || '');
}

/**
 * The alerts still true of `configs` as the page knows them: the server re-evaluates alerts at
 * most once a minute, so a refused token the trainer has just replaced (the card already says
 * "Credenciales correctas") is not shown as a problem meanwhile.
 */
export function currentAlerts(alerts: Alert[], configs: TrackingConfig[]): Alert[] {
  return alerts.filter((a) => {
    if (a.kind !== 'credentials_refused') return true;
    const config = configs.find((c) => c.id === a.configId);
    return !config || healthOf(config).status === 'credentials_invalid';
  });
}

export function AlertsBanner({ configs = [] }: { configs?: TrackingConfig[] }) {
  const { data } = useAlerts();
  const open = currentAlerts(data ?? [], configs);
  if (open.length === 0) return null;
  return (
    <section role="alert" className="alerts-banner" aria-label={A.banner(open.length)}>
      <strong>{A.banner(open.length)}</strong>
      <ul>
        {open.map((a) => (
          <li key={a.id}>{alertText(a)}</li>
        ))}
      </ul>
    </section>
  );
}

/** The badge a card shows while one of its config's alerts is open (`alerts`: that config's). */
export function AlertBadge({ alerts }: { alerts: Alert[] }) {
  if (alerts.length === 0) return null;
  return (
    <span className="badge badge-alert" title={alerts.map(alertText).join(' ')} data-testid="alert-badge">
      {A.badge}
    </span>
  );
}
