// "Conectar con Google" in the add-pixel modal: the consent flow starts from the button, comes
// back connected, and the create body carries the connection instead of a pasted token.
import { screen, waitFor } from '@testing-library/react';
import { browser, takeGoogleReturn } from '../../api/navigate';
import { S } from '../../strings';
import { CONFIGS, CONNECTION, choose, lastBody, open, openGoogle, toSave } from '../../test/addPixelModal';
import { apiError, metaConfig } from '../../test/utils';

const F = S.modal.fields;
const START = '/oauth/google/start';
const AUTH_URL = 'http://127.0.0.1:3001/o/oauth2/v2/auth?client_id=c&state=s';

afterEach(() => vi.restoreAllMocks());

describe('AddPixelModal: Conectar con Google', () => {
  it('starts with the connect button, asks for nothing pasted, and needs the connection to go on', async () => {
    const { user } = open();
    await choose(user, 'Google');
    expect(screen.getByRole('button', { name: S.google.connect })).toBeInTheDocument();
    expect(screen.queryByLabelText(F.refreshToken)).not.toBeInTheDocument();
    expect(screen.queryByLabelText(F.customerId)).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: S.modal.next }));
    expect(await screen.findByText(S.modal.validation.googleConnectionRequired)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: S.modal.steps[1] })).toBeInTheDocument();
  });

  it('sends the browser to the consent URL the server answers, Data Manager by default', async () => {
    const go = vi.spyOn(browser, 'go').mockImplementation(() => {});
    const { user, mock } = open();
    mock.onGet(START).reply(200, { authUrl: AUTH_URL, expiresAt: '2026-11-30T12:10:00Z' });
    await choose(user, 'Google');
    await user.click(screen.getByRole('button', { name: S.google.connect }));
    await waitFor(() => expect(go).toHaveBeenCalledWith(AUTH_URL));
    expect(mock.history.get.find((r) => r.url === START)?.params).toEqual({ googleApi: 'dataManager' });
  });

  it('asks for the Ads API scope only when the Ads API is explicitly chosen', async () => {
    const go = vi.spyOn(browser, 'go').mockImplementation(() => {});
    const { user, mock } = open();
    mock.onGet(START).reply(200, { authUrl: AUTH_URL });
    await choose(user, 'Google');
    const ads = screen.getByRole('checkbox', { name: S.google.adsApi });
    expect(ads).not.toBeChecked();
    expect(ads).toHaveAccessibleDescription(S.google.adsApiHint);
    await user.click(ads);
    await user.click(screen.getByRole('button', { name: S.google.connect }));
    await waitFor(() => expect(go).toHaveBeenCalled());
    expect(mock.history.get.find((r) => r.url === START)?.params).toEqual({ googleApi: 'adsApi' });
  });

  it('says so when the server has no Google client configured, and stays put', async () => {
    const go = vi.spyOn(browser, 'go').mockImplementation(() => {});
    const { user, mock } = open();
    mock.onGet(START).reply(409, apiError('conflict', 'not configured'));
    await choose(user, 'Google');
    await user.click(screen.getByRole('button', { name: S.google.connect }));
    expect(await screen.findByText(S.google.notConfigured)).toBeInTheDocument();
    expect(go).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: S.google.connect })).toBeEnabled();
  });

  it('back from Google, finishes the config with the connection and no token', async () => {
    const { user, mock, onClose } = openGoogle();
    expect(screen.getByRole('heading', { name: S.modal.steps[1] })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent(S.google.connected);
    await user.type(screen.getByLabelText(F.customerId), '123-456-7890');
    await user.type(screen.getByLabelText(F.loginCustomerId), '111-222-3333');
    await user.type(screen.getByLabelText(F.conversionAction(S.events.label.PURCHASE)), '987654321');
    const save = await toSave(user);
    mock.onPost(CONFIGS).reply(201, metaConfig({ platform: 'Google', pixelId: '1234567890', googleApi: 'dataManager' }));
    await user.click(save);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const body = lastBody(mock, 'post');
    expect(body).toMatchObject({
      platform: 'Google',
      pixelId: '1234567890',
      loginCustomerId: '1112223333',
      googleConnection: CONNECTION,
      conversionActions: { PURCHASE: '987654321' },
    });
    expect(body).not.toHaveProperty('apiAccessToken');
    // Data Manager is the server's default: nothing to say.
    expect(body).not.toHaveProperty('googleApi');
  });

  it('keeps the Ads API choice made before connecting', async () => {
    const { user, mock, onClose } = openGoogle(true);
    expect(screen.getByRole('checkbox', { name: S.google.adsApi })).toBeChecked();
    await user.type(screen.getByLabelText(F.customerId), '1234567890');
    await user.type(screen.getByLabelText(F.conversionAction(S.events.label.PURCHASE)), '987654321');
    const save = await toSave(user);
    mock.onPost(CONFIGS).reply(201, metaConfig({ platform: 'Google', pixelId: '1234567890', googleApi: 'adsApi' }));
    await user.click(save);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(lastBody(mock, 'post')).toMatchObject({ googleConnection: CONNECTION, googleApi: 'adsApi' });
  });

  it('offers to connect again when the connection expired or was used', async () => {
    const { user, mock } = openGoogle();
    await user.type(screen.getByLabelText(F.customerId), '1234567890');
    await user.type(screen.getByLabelText(F.conversionAction(S.events.label.PURCHASE)), '987654321');
    const save = await toSave(user);
    mock.onPost(CONFIGS).reply(
      400,
      apiError('validation_failed', '1 invalid field(s)', [
        { field: 'googleConnection', code: 'expired', message: 'the Google connection has expired' },
      ]),
    );
    await user.click(save);
    expect(await screen.findByText(S.google.connectionLost)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: S.google.connect })).toBeInTheDocument();
  });
});

describe('takeGoogleReturn', () => {
  it('reads the connection the callback sent back and removes it from the address', () => {
    window.history.replaceState(null, '', `/dashboard/marketing/pixels/?googleConnection=${CONNECTION}&googleApi=adsApi&x=1`);
    expect(takeGoogleReturn()).toEqual({ connection: CONNECTION, adsApi: true });
    expect(window.location.search).toBe('?x=1');
    expect(takeGoogleReturn()).toBeNull();
  });

  it('reads the config a reconnection names, and refuses a malformed one', () => {
    window.history.replaceState(null, '', `/dashboard/marketing/pixels/?googleConnection=${CONNECTION}&reconnect=cfg-1`);
    expect(takeGoogleReturn()).toEqual({ connection: CONNECTION, adsApi: false, reconnect: 'cfg-1' });
    expect(window.location.search).toBe('');
    window.history.replaceState(null, '', `/dashboard/marketing/pixels/?googleConnection=${CONNECTION}&reconnect=a%2Fb`);
    expect(takeGoogleReturn()).toBeNull();
  });

  it('ignores anything that is not a connection id', () => {
    window.history.replaceState(null, '', '/dashboard/marketing/pixels/?googleConnection=%3Cscript%3E');
    expect(takeGoogleReturn()).toBeNull();
    expect(window.location.search).toBe('');
  });
});
