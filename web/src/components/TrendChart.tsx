// Events per day as stacked bars in inline SVG: sent, failed, filtered. No charting library:
// a few rects are lighter than any dependency, and each bar carries its figures as a <title>
// (hover) and in the chart's accessible summary.
import type { DayPoint } from '../api/types';
import { S } from '../strings';

const T = S.kpi.trend;
const WIDTH = 600;
const HEIGHT = 160;
const AXIS = 18;

export const SERIES = [
  { key: 'sent', label: T.sent, className: 'trend-sent' },
  { key: 'failed', label: T.failed, className: 'trend-failed' },
  { key: 'filtered', label: T.filtered, className: 'trend-filtered' },
] as const;

export function TrendChart({ points }: { points: DayPoint[] }) {
  const total = (p: DayPoint) => p.sent + p.failed + p.filtered;
  const max = Math.max(1, ...points.map(total));
  const slot = WIDTH / Math.max(1, points.length);
  const barWidth = Math.max(2, slot * 0.7);
  const plot = HEIGHT - AXIS;
  const sum = (k: 'sent' | 'failed' | 'filtered') => points.reduce((n, p) => n + p[k], 0);
  const summary = T.summary(points.length, sum('sent'), sum('failed'), sum('filtered'));
  // Label every day for a week, about every fifth for a month.
  const labelEvery = points.length > 10 ? Math.ceil(points.length / 6) : 1;
  return (
    <figure className="trend">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} data-testid="trend-chart">
        {points.map((p, i) => {
          const x = i * slot + (slot - barWidth) / 2;
          let y = plot;
          const day = T.day(p.date);
          return (
            <g key={p.date} data-testid="trend-day" data-date={p.date}>
              <title>{T.bar(day, p.sent, p.failed, p.filtered)}</title>
              {SERIES.map((s) => {
                const h = (p[s.key] / max) * (plot - 4);
                y -= h;
                return h > 0 ? (
                  <rect key={s.key} className={s.className} x={x} y={y} width={barWidth} height={h} data-series={s.key} />
                ) : null;
              })}
              {(i % labelEvery === 0 || i === points.length - 1) && (
                <text x={x + barWidth / 2} y={HEIGHT - 4} textAnchor="middle" className="trend-label">
                  {day}
                </text>
              )}
            </g>
          );
        })}
        <line x1={0} x2={WIDTH} y1={plot} y2={plot} className="trend-axis" />
      </svg>
      <figcaption>
        <ul className="trend-legend">
          {SERIES.map((s) => (
            <li key={s.key}>
              <span className={`trend-swatch ${s.className}`} aria-hidden="true" /> {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
