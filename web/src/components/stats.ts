// Issue 5 names the KPIs but not every field; read the likely spellings into one shape.
import type { TrackingStats } from '../api/types';

export interface Kpis {
  eventsSent: number;
  successPercent: number | null;
  byType: Array<{ name: string; count: number }>;
  matchQuality: number | null;
  avgLatencyMs: number | null;
  activeConfigs: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function toKpis(raw: TrackingStats | Record<string, unknown> | undefined): Kpis {
  const r = (raw ?? {}) as Record<string, unknown>;
  const rate = num(r.successRate);
  const byTypeRaw = r.eventsByType ?? r.byEventType ?? r.eventsPerType ?? {};
  let byType: Array<{ name: string; count: number }> = [];
  if (Array.isArray(byTypeRaw)) {
    byType = byTypeRaw
      .map((x) => x as Record<string, unknown>)
      .map((x) => ({ name: String(x.eventName ?? x.event ?? x.name ?? ''), count: num(x.count ?? x.sent) ?? 0 }));
  } else if (byTypeRaw && typeof byTypeRaw === 'object') {
    byType = Object.entries(byTypeRaw as Record<string, unknown>).map(([name, v]) => ({
      name,
      count: num(v) ?? num((v as Record<string, unknown> | null)?.sent) ?? 0,
    }));
  }
  byType.sort((a, b) => b.count - a.count);
  const matchQuality = num(r.matchQuality) ?? weightedScore(r.matchQuality);
  const latency = r.latency as Record<string, unknown> | undefined;
  return {
    eventsSent: num(r.eventsSent) ?? num(r.sent) ?? num(r.totalEvents) ?? 0,
    successPercent: rate === null ? null : rate <= 1 ? rate * 100 : rate,
    byType,
    matchQuality,
    avgLatencyMs: num(r.avgLatencyMs) ?? num(r.averageLatencyMs) ?? num(latency?.avgMs) ?? null,
    activeConfigs: num(r.activeConfigs),
  };
}

/**
 * The API gives `{platform: {EVENT: {score, events}}}`; a flat `{EVENT: score}` is read too.
 * One figure for the panel: the average score weighted by how many events it covers.
 */
function weightedScore(value: unknown): number | null {
  let sum = 0;
  let weight = 0;
  const walk = (v: unknown) => {
    if (typeof v === 'number' && Number.isFinite(v)) {
      sum += v;
      weight += 1;
    } else if (v && typeof v === 'object') {
      const rec = v as Record<string, unknown>;
      const score = num(rec.score);
      if (score !== null) {
        const w = num(rec.events) ?? 1;
        sum += score * w;
        weight += w;
      } else Object.values(rec).forEach(walk);
    }
  };
  walk(value);
  return weight > 0 ? sum / weight : null;
}
