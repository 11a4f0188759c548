import type { Health, HealthStatus, TrackingConfig } from '../api/types';

/** `health` may be a bare status or `{status, lastError}`: one shape for the UI. */
export function healthOf(config: TrackingConfig): Health {
  const h = config.health as Health | HealthStatus | null | undefined;
  if (!h) return { status: 'unverified' };
  if (typeof h === 'string') return { status: h };
  const status: HealthStatus = h.status === 'ok' || h.status === 'credentials_invalid' ? h.status : 'unverified';
  return { ...h, status };
}
