import { render, screen, waitFor } from '@testing-library/react';
import { S } from '../strings';
import { setup } from '../test/utils';
import { AlertBadge, AlertsBanner } from './AlertsBanner';

const REVOKED = { id: 'credentials_refused:c1', kind: 'credentials_refused', configId: 'c1', platform: 'Meta', since: 1 };
const DEAD = { id: 'dead_letters_today:c2', kind: 'dead_letters_today', configId: 'c2', platform: 'TikTok', count: 3 };
const LOW = { id: 'success_rate_low:c1', kind: 'success_rate_low', configId: 'c1', platform: 'Meta', since: 2, count: 25 };
const SILENT = { id: 'site_silent:www.example.com', kind: 'site_silent', host: 'www.example.com', since: 3, count: null };

describe('AlertsBanner', () => {
  it('lists every open alert in Spanish', async () => {
    const h = setup();
    h.mock.onGet('/alerts').reply(200, { alerts: [REVOKED, DEAD] });
    h.render(<AlertsBanner />);
    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent(S.alerts.banner(2));
    expect(banner).toHaveTextContent(S.alerts.kind.credentials_refused('Meta'));
    expect(banner).toHaveTextContent('TikTok: 3 eventos descartados hoy');
  });

  it('says in Spanish what a low success rate and a silent site mean', async () => {
    const h = setup();
    h.mock.onGet('/alerts').reply(200, { alerts: [LOW, SILENT] });
    h.render(<AlertsBanner />);
    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent(S.alerts.banner(2));
    expect(banner).toHaveTextContent(S.alerts.kind.success_rate_low('Meta', 25));
    expect(banner).toHaveTextContent('menos del 90 %');
    expect(banner).toHaveTextContent(S.alerts.kind.site_silent('www.example.com'));
    expect(banner).toHaveTextContent('www.example.com no ha enviado ningún evento en las últimas 6 horas');
  });

  it('shows nothing while there is no alert', async () => {
    const h = setup();
    h.mock.onGet('/alerts').reply(200, { alerts: [] });
    h.render(<AlertsBanner />);
    await waitFor(() => expect(h.mock.history.get?.length).toBe(1));
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('AlertBadge', () => {
  it('shows the alert of its card, in its title, and nothing without one', () => {
    const { container } = render(<AlertBadge alerts={[]} />);
    expect(container).toBeEmptyDOMElement();
    render(<AlertBadge alerts={[REVOKED]} />);
    const badge = screen.getByTestId('alert-badge');
    expect(badge).toHaveTextContent(S.alerts.badge);
    expect(badge).toHaveAttribute('title', S.alerts.kind.credentials_refused('Meta'));
  });

  it('names a new kind in its title too', () => {
    render(<AlertBadge alerts={[LOW]} />);
    expect(screen.getByTestId('alert-badge')).toHaveAttribute('title', S.alerts.kind.success_rate_low('Meta', 25));
  });
});
