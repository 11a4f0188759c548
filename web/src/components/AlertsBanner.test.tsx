import { render, screen, waitFor } from '@testing-library/react';
import { S } from '../strings';
import { setup } from '../test/utils';
import { AlertBadge, AlertsBanner } from './AlertsBanner';

const REVOKED = { id: 'credentials_refused:c1', kind: 'credentials_refused', configId: 'c1', platform: 'Meta', since: 1 };
const DEAD = { id: 'dead_letters_today:c2', kind: 'dead_letters_today', configId: 'c2', platform: 'TikTok', count: 3 };

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
});
