// The open alerts above everything else, each in the trainer's words; and the per-card badge.
import type { Alert } from '../api/types';
import { useAlerts } from '../hooks/useConfigDetails';
import { S } from '../strings';

const A = S.alerts;

export function alertText(a: Alert): string {
  if (a.kind === 'credentials_refused') return A.kind.credentials_refused(a.platform);
  if (a.kind === 'dead_letters_today') return A.kind.dead_letters_today(a.platform, a.count ?? 0);
  return A.unknown(a.platform);
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
