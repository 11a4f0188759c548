// The 7-day KPIs, each with a short explanation on hover/focus, and events per type as CSS bars;
// then the daily trend (7 or 30 days, inline SVG), what was filtered and the match-key hints.
import { useState } from 'react';
import type { StandardEvent, TrackingStats } from '../api/types';
import { useTrackingStats } from '../hooks/useConfigDetails';
import { S } from '../strings';
import { FilteredTraffic } from './FilteredTraffic';
import { InfoTip } from './InfoTip';
import { MatchHints } from './MatchHints';
import { toKpis } from './stats';
import { TrendChart } from './TrendChart';

const K = S.kpi;

function Kpi({ name, help, value, testId }: { name: string; help: string; value: string; testId: string }) {
  return (
    <div className="kpi" data-testid={testId}>
      <dt>
        {name} <InfoTip label={K.moreInfo(name)} text={help} />
      </dt>
      <dd>{value}</dd>
    </div>
  );
}

export function KpiPanel({ fallbackActive }: { fallbackActive: number }) {
  const { data, isLoading, isError } = useTrackingStats(7);
  return (
    <section className="kpis" aria-labelledby="kpi-heading">
      <h2 id="kpi-heading">{K.heading}</h2>
      {isLoading && <p role="status">{K.loading}</p>}
      {isError && <p role="alert">{K.error}</p>}
      {data && <KpiFigures raw={data} fallbackActive={fallbackActive} />}
      {data && <FilteredTraffic filtered={(data as TrackingStats).filtered} />}
      <Trend />
      {data && <MatchHints hints={(data as TrackingStats).matchHints} />}
    </section>
  );
}

const RANGES = [7, 30] as const;

function Trend() {
  const [days, setDays] = useState<(typeof RANGES)[number]>(7);
  const { data, isLoading } = useTrackingStats(days);
  const points = (data as TrackingStats | undefined)?.daily ?? [];
  const T = K.trend;
  return (
    <section className="bars" aria-labelledby="trend-heading">
      <h3 id="trend-heading">
        {T.name} <InfoTip label={K.moreInfo(T.name)} text={T.help} />
      </h3>
      <div role="group" aria-label={T.rangeLabel} className="trend-range">
        {RANGES.map((d) => (
          <button key={d} type="button" aria-pressed={days === d} onClick={() => setDays(d)}>
            {T.range(d)}
          </button>
        ))}
      </div>
      {isLoading && <p role="status">{T.loading}</p>}
      {!isLoading && points.length === 0 && <p className="muted">{T.empty}</p>}
      {points.length > 0 && <TrendChart points={points} />}
    </section>
  );
}

function KpiFigures({ raw, fallbackActive }: { raw: Parameters<typeof toKpis>[0]; fallbackActive: number }) {
  const k = toKpis(raw);
  // Google answers a Data Manager request at once and says later what it did with its events.
  const google = (raw as TrackingStats | undefined)?.googleRequests;
  const max = Math.max(1, ...k.byType.map((t) => t.count));
  const label = (name: string) => S.events.label[name as StandardEvent] ?? name;
  return (
    <>
      <dl className="kpi-grid">
        <Kpi testId="kpi-events" name={K.eventsSent.name} help={K.eventsSent.help} value={K.count(k.eventsSent)} />
        <Kpi
          testId="kpi-success"
          name={K.successRate.name}
          help={K.successRate.help}
          value={k.successPercent === null ? K.none : K.percent(k.successPercent)}
        />
        <Kpi
          testId="kpi-match"
          name={K.matchQuality.name}
          help={K.matchQuality.help}
          value={k.matchQuality === null ? K.none : K.score(k.matchQuality)}
        />
        <Kpi
          testId="kpi-latency"
          name={K.latency.name}
          help={K.latency.help}
          value={k.avgLatencyMs === null ? K.none : K.ms(k.avgLatencyMs)}
        />
        <Kpi
          testId="kpi-active"
          name={K.activeConfigs.name}
          help={K.activeConfigs.help}
          value={K.count(k.activeConfigs ?? fallbackActive)}
        />
      </dl>
      {google && google.sent > 0 && (
        <p className="muted small" data-testid="kpi-google-requests">
          {K.googleRequests(google.sent, google.pending, google.acceptedEvents, google.failedEvents)}
        </p>
      )}
      <figure className="bars">
        <figcaption>
          {K.byType.name} <InfoTip label={K.moreInfo(K.byType.name)} text={K.byType.help} />
        </figcaption>
        {k.byType.length === 0 ? (
          <p className="muted">{K.byType.empty}</p>
        ) : (
          <ul>
            {k.byType.map((t) => (
              <li key={t.name} aria-label={K.byType.bar(label(t.name), t.count)}>
                <span className="bar-label" aria-hidden="true">
                  {label(t.name)}
                </span>
                <span className="bar-track" aria-hidden="true">
                  <span className="bar" style={{ width: `${(t.count / max) * 100}%` }} />
                </span>
                <span className="bar-value" aria-hidden="true">
                  {K.count(t.count)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </figure>
    </>
  );
}
