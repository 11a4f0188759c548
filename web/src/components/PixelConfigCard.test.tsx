import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { S } from '../strings';
import { metaConfig } from '../test/utils';
import { PixelConfigCard, type PixelConfigCardProps } from './PixelConfigCard';

function card(overrides: Partial<PixelConfigCardProps> = {}, config = metaConfig()) {
  const props: PixelConfigCardProps = {
    config,
    onToggleStatus: vi.fn().mockResolvedValue(undefined),
    onToggleBrowserPixel: vi.fn().mockResolvedValue(undefined),
    onEdit: vi.fn(),
    onViewLogs: vi.fn(),
    onSendTest: vi.fn().mockResolvedValue({ delivered: true, responseCode: 200 }),
    onDelete: vi.fn().mockResolvedValue(undefined),
    ...overrides,
  };
  render(<PixelConfigCard {...props} />);
  return { props, user: userEvent.setup({ delay: null }) };
}

describe('PixelConfigCard', () => {
  it('shows platform, pixel id, health and last event', () => {
    card();
    const article = screen.getByRole('article', { name: S.card.actionsFor('Meta', '1234567890123') });
    expect(within(article).getByRole('img', { name: S.platform.logoLabel('Meta') })).toBeInTheDocument();
    expect(within(article).getByText('1234567890123')).toBeInTheDocument();
    expect(within(article).getByText(S.health.ok)).toBeInTheDocument();
    expect(within(article).getByText(S.logs.status.success!)).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: S.card.toggleLabel('Meta', '1234567890123') })).toBeChecked();
  });

  it('says which API a Google config uploads through', () => {
    card({}, metaConfig({ platform: 'Google', pixelId: '1234567890', googleApi: 'adsApi' }));
    expect(screen.getByText(S.google.api.adsApi)).toBeInTheDocument();
  });

  it('says Data Manager for new Google configs, and nothing for other platforms', () => {
    card({}, metaConfig({ platform: 'Google', pixelId: '1234567890', googleApi: 'dataManager' }));
    expect(screen.getByText(S.google.api.dataManager)).toBeInTheDocument();
  });

  it('shows no API line for Meta', () => {
    card({}, metaConfig({ googleApi: 'dataManager' }));
    expect(screen.queryByText(S.google.api.dataManager)).not.toBeInTheDocument();
  });

  it('shows invalid credentials with the platform error', () => {
    card({}, metaConfig({ health: { status: 'credentials_invalid', lastError: 'Error validating access token' }, lastEvent: null }));
    expect(screen.getByText(S.health.credentials_invalid)).toBeInTheDocument();
    expect(screen.getByText('Error validating access token')).toBeInTheDocument();
    expect(screen.getByText(S.card.noEvents)).toBeInTheDocument();
  });

  it('calls onToggleStatus(id, newStatus) and explains a failure', async () => {
    const onToggleStatus = vi.fn().mockRejectedValue(new Error('500'));
    const { user } = card({ onToggleStatus });
    await user.click(screen.getByRole('switch', { name: S.card.toggleLabel('Meta', '1234567890123') }));
    expect(onToggleStatus).toHaveBeenCalledWith('cfg-meta-1', false);
    expect(await screen.findByText(S.card.toggleFailed)).toHaveAttribute('role', 'alert');
  });

  it('switches the browser pixel with onToggleBrowserPixel(id, on) and explains a failure', async () => {
    const onToggleBrowserPixel = vi.fn().mockRejectedValue(new Error('500'));
    const { user, props } = card({ onToggleBrowserPixel });
    const browser = screen.getByRole('switch', { name: S.card.browserPixelLabel('Meta', '1234567890123') });
    expect(browser).not.toBeChecked();
    expect(screen.getByText(S.card.browserPixelOff)).toBeInTheDocument();
    await user.click(browser);
    expect(onToggleBrowserPixel).toHaveBeenCalledWith('cfg-meta-1', true);
    expect(props.onToggleStatus).not.toHaveBeenCalled();
    expect(await screen.findByText(S.card.browserPixelFailed)).toHaveAttribute('role', 'alert');
  });

  it('asks for the Google tag id before switching a Google browser pixel on', async () => {
    const google = metaConfig({ platform: 'Google', pixelId: '1234567890', googleTagId: null });
    const { user, props } = card({}, google);
    await user.click(screen.getByRole('switch', { name: S.card.browserPixelLabel('Google', '1234567890') }));
    expect(await screen.findByText(S.card.browserPixelNeedsTag)).toBeInTheDocument();
    expect(props.onToggleBrowserPixel).not.toHaveBeenCalled();
  });

  it('says the tag id is missing when the server refuses the switch for it', async () => {
    const refusal = Object.assign(new Error('400'), {
      isAxiosError: true,
      response: {
        status: 400,
        data: { error: { code: 'invalid_request', message: 'x', details: [{ field: 'googleTagId', message: 'required' }] } },
      },
    });
    const onToggleBrowserPixel = vi.fn().mockRejectedValue(refusal);
    const google = metaConfig({ platform: 'Google', pixelId: '1234567890', googleTagId: 'AW-123456789' });
    const { user } = card({ onToggleBrowserPixel }, google);
    await user.click(screen.getByRole('switch', { name: S.card.browserPixelLabel('Google', '1234567890') }));
    expect(onToggleBrowserPixel).toHaveBeenCalledWith('cfg-meta-1', true);
    expect(await screen.findByText(S.card.browserPixelNeedsTag)).toBeInTheDocument();
  });

  it('asks before deleting and deletes only on confirmation', async () => {
    const { user, props } = card();
    await user.click(screen.getByRole('button', { name: S.card.delete }));
    const dialog = await screen.findByRole('alertdialog', { name: S.confirmDelete.title });
    expect(within(dialog).getByRole('button', { name: S.confirmDelete.cancel })).toHaveFocus();
    await user.click(within(dialog).getByRole('button', { name: S.confirmDelete.cancel }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(props.onDelete).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: S.card.delete }));
    await user.click(await screen.findByRole('button', { name: S.confirmDelete.confirm }));
    expect(props.onDelete).toHaveBeenCalledWith('cfg-meta-1');
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
  });

  it('sends a test event and shows the verdict', async () => {
    const onSendTest = vi
      .fn()
      .mockResolvedValueOnce({ delivered: true, responseCode: 200, platformMessage: null })
      .mockResolvedValueOnce({ delivered: false, responseCode: 400, platformMessage: 'Invalid parameter' })
      .mockRejectedValueOnce(
        Object.assign(new Error('422'), {
          isAxiosError: true,
          response: { status: 422, data: { error: { code: 'unprocessable', message: 'no tracked event to test' } } },
        }),
      );
    const { user } = card({ onSendTest });
    await user.click(screen.getByRole('button', { name: S.card.test }));
    expect(await screen.findByText(S.card.testOk)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: S.card.test }));
    expect(await screen.findByText(S.card.testFailed('Invalid parameter'))).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: S.card.test }));
    expect(await screen.findByText(S.card.testFailed('no tracked event to test'))).toBeInTheDocument();
  });

  it('opens edit and logs', async () => {
    const { user, props } = card();
    await user.click(screen.getByRole('button', { name: S.card.edit }));
    await user.click(screen.getByRole('button', { name: S.card.logs }));
    expect(props.onEdit).toHaveBeenCalledWith(props.config);
    expect(props.onViewLogs).toHaveBeenCalledWith(props.config);
  });
});
