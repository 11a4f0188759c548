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

  it('shows a Google request as pending, then as accepted and failed by reason', async () => {
    const h = setup();
    const pending = {
      id: 'log-3',
      timestamp: '2026-11-27T10:00:00Z',
      eventName: 'GOOGLE_REQUEST',
      status: 'pending',
      responseCode: null,
      payload: { requestId: 'r-1', events: 3, requestStatus: 'PENDING' },
      latencyMs: 0,
      attempt: 0,
    };
    const done = {
      ...pending,
      id: 'log-4',
      timestamp: '2026-11-27T11:00:00Z',
      status: 'failed',
      errorMessage: 'accepted 2 / failed 1 (PROCESSING_ERROR_REASON_CLICK_NOT_FOUND: 1)',
      payload: {
        requestId: 'r-1',
        events: 3,
        requestStatus: 'PARTIAL_SUCCESS',
        accepted: 2,
        failed: 1,
        failedByReason: { PROCESSING_ERROR_REASON_CLICK_NOT_FOUND: 1 },
      },
    };
    h.mock.onGet('/tracking-configs/cfg-1/logs').reply(200, [pending, done]);
    h.render(<LogsViewer configId="cfg-1" />);
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent(S.logs.googleRequest.event);
    expect(rows[0]).toHaveTextContent(S.logs.googleRequest.outcome(2, 1, 'CLICK_NOT_FOUND: 1'));
    expect(rows[1]).toHaveTextContent(S.logs.status.pending!);
    expect(rows[1]).toHaveTextContent(S.logs.googleRequest.pending(3));
  });
});
