// The open alerts above everything else, each in the trainer's words; and the per-card badge.
import type { Alert } from '../api/types';
import { useAlerts } from '../hooks/useConfigDetails';
import { S } from '../strings';

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

export function AlertsBanner() {
  const { data } = useAlerts();
  const open = data ?? [];
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
