import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DayPoint } from '../api/types';
import { S } from '../strings';
import { setup } from '../test/utils';
import { KpiPanel } from './KpiPanel';
import { MatchHints } from './MatchHints';
import { TrendChart } from './TrendChart';

function days(n: number, f: (i: number) => Partial<DayPoint> = () => ({})): DayPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    date: `2026-11-${String(i + 1).padStart(2, '0')}`,
    sent: 0,
    failed: 0,
    filtered: 0,
    ...f(i),
  }));
}

describe('TrendChart', () => {
  it('draws one stacked bar per day, heights in proportion, figures in each bar title', () => {
    const points = days(7, (i) => (i === 6 ? { sent: 8, failed: 2, filtered: 10 } : i === 0 ? { sent: 5 } : {}));
    render(<TrendChart points={points} />);
    const chart = screen.getByTestId('trend-chart');
    expect(chart).toHaveAttribute('aria-label', S.kpi.trend.summary(7, 13, 2, 10));
    const bars = screen.getAllByTestId('trend-day');
    expect(bars).toHaveLength(7);
    const last = bars[6]!;
    const first = bars[0]!;
    expect(last.querySelector('title')?.textContent).toBe(S.kpi.trend.bar(S.kpi.trend.day('2026-11-07'), 8, 2, 10));
    const h = (g: Element, s: string) => Number(g.querySelector(`[data-series=${s}]`)?.getAttribute('height'));
    // The tallest day fills the plot; 10 filtered are as tall as 8 sent + 2 failed.
    expect(h(last, 'filtered')).toBeCloseTo(h(last, 'sent') + h(last, 'failed'));
    expect(h(first, 'sent')).toBeCloseTo((h(last, 'sent') * 5) / 8);
    // Empty days draw no rect at all.
    expect(bars[3]!.querySelectorAll('rect')).toHaveLength(0);
  });

  it('labels every day of a week but only some of a month', () => {
    const { rerender, container } = render(<TrendChart points={days(7)} />);
    expect(container.querySelectorAll('text')).toHaveLength(7);
    rerender(<TrendChart points={days(30)} />);
    const labels = container.querySelectorAll('text').length;
    expect(labels).toBeGreaterThan(3);
    expect(labels).toBeLessThan(10);
  });
});

describe('MatchHints', () => {
  it('words the most valuable missing key in Spanish, with how often it is missing', () => {
    render(
      <MatchHints
        hints={{
          Meta: [
            { key: 'phone', missingShare: 1, weight: 20, events: 3 },
            { key: 'fbc', missingShare: 0.5, weight: 15, events: 3 },
          ],
        }}
      />,
    );
    const first = screen.getByTestId('hint-Meta-phone');
    expect(first).toHaveTextContent('Pide el teléfono en el formulario de contacto.');
    expect(first).toHaveTextContent(S.kpi.hints.share(100));
    expect(screen.getByTestId('hint-Meta-fbc')).toHaveTextContent(S.kpi.hints.share(50));
  });

  it('says so when nothing is missing', () => {
    render(<MatchHints hints={{}} />);
    expect(screen.getByText(S.kpi.hints.none)).toBeInTheDocument();
  });
});

describe('KpiPanel trend', () => {
  it('switches the chart between 7 and 30 days and shows what was filtered', async () => {
    const h = setup();
    const stats = (n: number) => ({
      days: n,
      eventsSent: 3,
      successRate: 1,
      eventsByType: {},
      avgLatencyMs: null,
      activeConfigs: 1,
      daily: days(n, (i) => (i === n - 1 ? { sent: 3, filtered: 2 } : {})),
      filtered: { crawler: 2, headless: 0, prefetch: 0, head: 0, too_fast: 0 },
      matchHints: {},
    });
    h.mock.onGet('/tracking-stats', { params: { days: 7 } }).reply(200, stats(7));
    h.mock.onGet('/tracking-stats', { params: { days: 30 } }).reply(200, stats(30));
    h.render(<KpiPanel fallbackActive={1} />);
    expect(await screen.findAllByTestId('trend-day')).toHaveLength(7);
    expect(within(screen.getByTestId('filtered')).getByText(/Bots y vistas previas: 2/)).toBeInTheDocument();
    await userEvent.setup({ delay: null }).click(screen.getByRole('button', { name: S.kpi.trend.range(30) }));
    expect(await screen.findAllByTestId('trend-day')).toHaveLength(30);
    expect(screen.getByRole('button', { name: S.kpi.trend.range(30) })).toHaveAttribute('aria-pressed', 'true');
  });
});
