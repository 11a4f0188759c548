import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { S } from '../strings';
import { setup } from '../test/utils';
import { LogsViewer } from './LogsViewer';

const older = {
  id: 'log-1',
  timestamp: '2026-11-27T08:00:00Z',
  eventName: 'Lead',
  status: 'failed',
  responseCode: 400,
  errorMessage: 'Invalid parameter',
  payload: { data: [{ event_name: 'Lead', user_data: { em: ['a'.repeat(64)] } }] },
  latencyMs: 310,
  attempt: 3,
};
const newer = {
  id: 'log-2',
  timestamp: '2026-11-27T09:00:00Z',
  eventName: 'Purchase',
  status: 'success',
  responseCode: 200,
  payload: { data: [{ event_name: 'Purchase', custom_data: { value: 49.9, currency: 'EUR' } }] },
  latencyMs: 120,
  attempt: 1,
};

describe('LogsViewer', () => {
  it('lists newest first with status, code, latency and error', async () => {
    const h = setup();
    h.mock.onGet('/tracking-configs/cfg-1/logs').reply(200, [older, newer]);
    h.render(<LogsViewer configId="cfg-1" />);
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('Purchase');
    expect(rows[0]).toHaveTextContent(S.logs.status.success!);
    expect(rows[0]).toHaveTextContent('120 ms');
    expect(rows[1]).toHaveTextContent('Lead');
    expect(rows[1]).toHaveTextContent('400');
    expect(rows[1]).toHaveTextContent('Invalid parameter');
    expect(h.mock.history.get[0]!.params).toEqual({ limit: 50 });
  });

  it('expands a row to its pretty-printed payload and collapses it again', async () => {
    const h = setup();
    h.mock.onGet('/tracking-configs/cfg-1/logs').reply(200, [newer]);
    h.render(<LogsViewer configId="cfg-1" />);
    const user = userEvent.setup({ delay: null });
    const toggle = await screen.findByRole('button', { name: S.logs.expand('Purchase', S.time.format(newer.timestamp)) });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByText(/"currency": "EUR"/)).not.toBeInTheDocument();
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const pre = screen.getByText(/"currency": "EUR"/);
    expect(pre.tagName).toBe('PRE');
    expect(pre.textContent).toBe(JSON.stringify(newer.payload, null, 2));
    await user.click(toggle);
    expect(screen.queryByText(/"currency": "EUR"/)).not.toBeInTheDocument();
  });

  it('says when there is nothing yet, and when loading failed', async () => {
    const h = setup();
    h.mock.onGet('/tracking-configs/cfg-1/logs').reply(200, []);
    h.mock.onGet('/tracking-configs/cfg-2/logs').reply(500);
    h.render(
      <>
        <LogsViewer configId="cfg-1" />
        <LogsViewer configId="cfg-2" />
      </>,
    );
    expect(await screen.findByText(S.logs.empty)).toBeInTheDocument();
    expect(await screen.findByText(S.logs.error)).toBeInTheDocument();
  });
});
