import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { browser } from '../api/navigate';
import { S } from '../strings';
import { metaConfig, setup } from '../test/utils';
import { PixelManagerDashboard } from './PixelManagerDashboard';

const STATS = {
  days: 7,
  eventsSent: 1234,
  successRate: 0.987,
  eventsByType: { PURCHASE: 40, LEAD: 120, PAGE_VIEW: 1074 },
  avgLatencyMs: 412.4,
  activeConfigs: 1,
  // The API's shape: per platform, per event, the estimate and how many events it covers.
  matchQuality: { Meta: { PURCHASE: { score: 9, events: 10 }, LEAD: { score: 6, events: 30 } } },
  metaEventMatchQuality: [],
};

function mount() {
  const h = setup();
  h.mock.onGet('/tracking-stats').reply(200, STATS);
  return { ...h, user: userEvent.setup({ delay: null }) };
}

describe('PixelManagerDashboard', () => {
  it('shows loading, then the empty state whose call to action opens the modal', async () => {
    const h = mount();
    h.mock.onGet('/tracking-configs').reply(200, []);
    h.render(<PixelManagerDashboard />);
    expect(screen.getByRole('status')).toHaveTextContent(S.app.loading);
    expect(await screen.findByRole('heading', { name: S.app.emptyTitle })).toBeInTheDocument();
    expect(screen.getByRole('note')).toHaveTextContent(S.app.delayNote);
    await h.user.click(screen.getByRole('button', { name: S.app.emptyCta }));
    expect(await screen.findByRole('dialog', { name: S.modal.addTitle })).toBeInTheDocument();
  });

  it('shows an error state with a retry', async () => {
    const h = mount();
    h.mock.onGet('/tracking-configs').replyOnce(500, { error: { code: 'internal', message: 'Fallo interno' } });
    h.mock.onGet('/tracking-configs').reply(200, []);
    h.render(<PixelManagerDashboard />);
    expect(await screen.findByRole('heading', { name: S.app.errorTitle })).toBeInTheDocument();
    await h.user.click(screen.getByRole('button', { name: S.app.retry }));
    expect(await screen.findByRole('heading', { name: S.app.emptyTitle })).toBeInTheDocument();
  });

  it('lists the configs as cards with the KPIs of 7 days', async () => {
    const h = mount();
    h.mock.onGet('/tracking-configs').reply(200, [metaConfig()]);
    h.render(<PixelManagerDashboard />);
    expect(await screen.findByRole('article', { name: S.card.actionsFor('Meta', '1234567890123') })).toBeInTheDocument();
    expect(await screen.findByTestId('kpi-events')).toHaveTextContent(S.kpi.count(1234));
    expect(screen.getByTestId('kpi-success')).toHaveTextContent(S.kpi.percent(98.7));
    expect(screen.getByTestId('kpi-latency')).toHaveTextContent(S.kpi.ms(412.4));
    expect(screen.getByTestId('kpi-match')).toHaveTextContent(S.kpi.score(6.75));
    expect(screen.getByTestId('kpi-active')).toHaveTextContent('1');
    expect(screen.getByLabelText(S.kpi.byType.bar(S.events.label.PURCHASE, 40))).toBeInTheDocument();
    expect(h.mock.history.get.find((r) => r.url === '/tracking-stats')!.params).toEqual({ days: 7 });
  });

  it('explains a KPI on keyboard focus', async () => {
    const h = mount();
    h.mock.onGet('/tracking-configs').reply(200, [metaConfig()]);
    h.render(<PixelManagerDashboard />);
    const info = await screen.findByRole('button', { name: S.kpi.moreInfo(S.kpi.successRate.name) });
    expect(screen.queryByRole('tooltip')).not.toBeInTheDocument();
    info.focus();
    const tip = await screen.findByRole('tooltip');
    expect(tip).toHaveTextContent(S.kpi.successRate.help);
    expect(info).toHaveAccessibleDescription(S.kpi.successRate.help);
    await h.user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('tooltip')).not.toBeInTheDocument());
  });

  it('toggles a card off through the API and deletes it after confirmation', async () => {
    const h = mount();
    let list = [metaConfig()];
    h.mock.onGet('/tracking-configs').reply(() => [200, list]);
    h.mock.onPatch('/tracking-configs/cfg-meta-1').reply((req) => {
      list = [metaConfig({ isActive: JSON.parse(req.data as string).isActive })];
      return [200, list[0]];
    });
    h.mock.onDelete('/tracking-configs/cfg-meta-1').reply(() => {
      list = [];
      return [204];
    });
    h.render(<PixelManagerDashboard />);
    const toggle = await screen.findByRole('switch', { name: S.card.toggleLabel('Meta', '1234567890123') });
    await h.user.click(toggle);
    await waitFor(() => expect(toggle).not.toBeChecked());
    const card = screen.getByRole('article');
    await h.user.click(within(card).getByRole('button', { name: S.card.delete }));
    await h.user.click(await screen.findByRole('button', { name: S.confirmDelete.confirm }));
    expect(await screen.findByRole('heading', { name: S.app.emptyTitle })).toBeInTheDocument();
  });

  it('switches the browser pixel of a card through the API', async () => {
    const h = mount();
    let list = [metaConfig()];
    h.mock.onGet('/tracking-configs').reply(() => [200, list]);
    h.mock.onPatch('/tracking-configs/cfg-meta-1').reply((req) => {
      list = [metaConfig(JSON.parse(req.data as string))];
      return [200, list[0]];
    });
    h.render(<PixelManagerDashboard />);
    const browser = await screen.findByRole('switch', { name: S.card.browserPixelLabel('Meta', '1234567890123') });
    await h.user.click(browser);
    await waitFor(() => expect(browser).toBeChecked());
    expect(JSON.parse(h.mock.history.patch[0]!.data as string)).toEqual({ browserPixel: true });
    expect(screen.getByRole('switch', { name: S.card.toggleLabel('Meta', '1234567890123') })).toBeChecked();
  });

  it('opens the logs of a config with its dead letters', async () => {
    const h = mount();
    h.mock.onGet('/tracking-configs').reply(200, [metaConfig()]);
    h.mock.onGet('/tracking-configs/cfg-meta-1/logs').reply(200, []);
    h.mock.onGet('/tracking-configs/cfg-meta-1/dead-letters').reply(200, []);
    h.render(<PixelManagerDashboard />);
    await h.user.click(await screen.findByRole('button', { name: S.card.logs }));
    const dialog = await screen.findByRole('dialog', { name: S.logs.title('Meta', '1234567890123') });
    expect(await within(dialog).findByText(S.logs.empty)).toBeInTheDocument();
    expect(await within(dialog).findByText(S.deadLetters.empty)).toBeInTheDocument();
  });

  it('shows the eventID deduplication guide with both code samples', async () => {
    const h = mount();
    h.mock.onGet('/tracking-configs').reply(200, []);
    h.render(<PixelManagerDashboard />);
    await h.user.click(screen.getByText(S.dedup.heading));
    expect(screen.getByText(/fbq\('track', 'Purchase'.*eventID: 'pedido-1234'/)).toBeVisible();
    expect(screen.getByText(/ttq\.track\(.*event_id: 'pedido-1234'/)).toBeVisible();
  });
});

describe('PixelManagerDashboard: Reconectar con Google', () => {
  const CONNECTION = '0123456789abcdef0123456789abcdef';
  const refused = () =>
    metaConfig({
      id: 'cfg-google-1',
      platform: 'Google',
      pixelId: '1234567890',
      googleApi: 'dataManager',
      health: { status: 'credentials_invalid', lastError: 'Google: invalid_grant' },
    });

  afterEach(() => vi.restoreAllMocks());

  it('offers the reconnection on a Google card whose grant was refused, for that config', async () => {
    const go = vi.spyOn(browser, 'go').mockImplementation(() => {});
    const h = mount();
    h.mock.onGet('/tracking-configs').reply(200, [refused(), metaConfig()]);
    h.mock.onGet('/oauth/google/start').reply(200, { authUrl: 'http://127.0.0.1:3001/o/oauth2/v2/auth?s=1' });
    h.render(<PixelManagerDashboard />);
    const buttons = await screen.findAllByRole('button', { name: S.google.reconnect });
    expect(buttons).toHaveLength(1); // only the refused Google card, not the healthy Meta one
    await h.user.click(buttons[0]!);
    await waitFor(() => expect(go).toHaveBeenCalledWith('http://127.0.0.1:3001/o/oauth2/v2/auth?s=1'));
    expect(h.mock.history.get.find((r) => r.url === '/oauth/google/start')!.params).toEqual({
      configId: 'cfg-google-1',
    });
  });

  it('back from Google, gives the config its new connection once and says so', async () => {
    window.history.replaceState(
      null,
      '',
      `/dashboard/marketing/pixels/?googleConnection=${CONNECTION}&reconnect=cfg-google-1`,
    );
    const h = mount();
    h.mock.onGet('/tracking-configs').reply(200, [refused()]);
    h.mock.onPatch('/tracking-configs/cfg-google-1').reply(200, { ...refused(), health: { status: 'ok' } });
    h.render(<PixelManagerDashboard />);
    expect(await screen.findByText(S.google.reconnected)).toBeInTheDocument();
    expect(h.mock.history.patch).toHaveLength(1);
    expect(JSON.parse(h.mock.history.patch[0]!.data as string)).toEqual({ googleConnection: CONNECTION });
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(window.location.search).toBe('');
  });

  it('says when the reconnection was refused', async () => {
    window.history.replaceState(
      null,
      '',
      `/dashboard/marketing/pixels/?googleConnection=${CONNECTION}&reconnect=cfg-google-1`,
    );
    const h = mount();
    h.mock.onGet('/tracking-configs').reply(200, [refused()]);
    h.mock
      .onPatch('/tracking-configs/cfg-google-1')
      .reply(400, { error: { code: 'validation_failed', message: 'googleConnection: expired', details: [] } });
    h.render(<PixelManagerDashboard />);
    expect(await screen.findByText(S.google.reconnectFailed)).toBeInTheDocument();
  });
});
