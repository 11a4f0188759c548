import { screen, waitFor, within } from '@testing-library/react';
import { S } from '../../strings';
import { CONFIGS, CONNECTION, choose, lastBody, nameRe, next, open, openGoogle, toSave } from '../../test/addPixelModal';
import { apiError, metaConfig } from '../../test/utils';

describe('AddPixelModal: Meta', () => {
  it('validates the pixel id as the user types and walks every step to a POST', async () => {
    const { user, mock, onClose } = open();
    expect(screen.getByRole('dialog', { name: S.modal.addTitle })).toBeInTheDocument();
    // Step 1 needs a platform.
    await user.click(screen.getByRole('button', { name: S.modal.next }));
    expect(await screen.findByText(S.modal.validation.required)).toBeInTheDocument();
    await choose(user, 'Meta');

    const pixel = screen.getByLabelText(S.modal.fields.pixelIdMeta);
    await user.type(pixel, '12345');
    expect(await screen.findByText(S.modal.validation.metaPixelId)).toBeInTheDocument();
    expect(pixel).toHaveAttribute('aria-invalid', 'true');
    await user.type(pixel, 'abc');
    expect(screen.getByText(S.modal.validation.metaPixelId)).toBeInTheDocument();
    await user.clear(pixel);
    await user.type(pixel, '123456789012345678901'); // 21 digits
    expect(await screen.findByText(S.modal.validation.metaPixelId)).toBeInTheDocument();
    await user.clear(pixel);
    await user.type(pixel, '1234567890123');
    await waitFor(() => expect(screen.queryByText(S.modal.validation.metaPixelId)).not.toBeInTheDocument());

    // Token is required.
    await user.click(screen.getByRole('button', { name: S.modal.next }));
    expect(await screen.findByText(S.modal.validation.required)).toBeInTheDocument();
    await user.type(screen.getByLabelText(S.modal.fields.accessToken), 'EAAB-good-token');
    await user.click(screen.getByRole('button', { name: S.modal.next }));

    // Events: the TrainerERP defaults are pre-selected with their standard events.
    expect(await screen.findByRole('heading', { name: S.modal.steps[2] })).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: /cliente\.pago_exitoso/ })).toBeChecked();
    expect(screen.getByRole('combobox', { name: S.events.mappingLabel('cliente.pago_exitoso') })).toHaveValue('PURCHASE');
    expect(screen.getByRole('combobox', { name: S.events.mappingLabel('cita.agendada') })).toHaveValue('SCHEDULE');
    expect(screen.getByRole('combobox', { name: S.events.mappingLabel('contenido.visto') })).toHaveValue('VIEW_CONTENT');
    await user.click(screen.getByRole('checkbox', { name: /pagina\.vista/ }));
    await next(user, 3);

    mock.onPost(CONFIGS).reply(201, metaConfig());
    await user.click(screen.getByRole('button', { name: S.modal.save }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const body = lastBody(mock, 'post');
    expect(body).toMatchObject({ platform: 'Meta', pixelId: '1234567890123', apiAccessToken: 'EAAB-good-token' });
    expect(body.trackedEvents).toEqual(['PURCHASE', 'LEAD', 'SCHEDULE', 'INITIATE_CHECKOUT', 'SUBSCRIBE', 'VIEW_CONTENT']);
    expect(body.eventMappings['cliente.pago_exitoso']).toBe('PURCHASE');
    expect(body.eventMappings['pagina.vista']).toBeUndefined();
  });

  it('on 422 shows the platform message and keeps the user on the credentials step', async () => {
    const { user, mock, onClose } = open();
    await choose(user, 'Meta');
    await user.type(screen.getByLabelText(S.modal.fields.pixelIdMeta), '1234567890123');
    await user.type(screen.getByLabelText(S.modal.fields.accessToken), 'bad-token');
    const save = await toSave(user);
    mock.onPost(CONFIGS).reply(
      422,
      apiError('credentials_rejected', 'Meta rejected the credentials: Invalid OAuth access token', {
        platform: 'Meta',
        platformCode: 190,
        platformMessage: 'Invalid OAuth access token',
      }),
    );
    await user.click(save);

    // Our own English prefix stays out; the platform's words come under a Spanish lead-in.
    const alert = await screen.findByText(S.modal.platformSaid('Meta', 'Invalid OAuth access token'));
    expect(alert.closest('[role="alert"]')).not.toHaveTextContent('rejected the credentials');
    expect(alert.closest('[role="alert"]')).toHaveTextContent(S.modal.rejectedTitle);
    expect(screen.getByRole('heading', { name: S.modal.steps[1] })).toBeInTheDocument();
    expect(screen.getByLabelText(S.modal.fields.accessToken)).toHaveValue('bad-token');
    await waitFor(() => expect(screen.getByLabelText(S.modal.fields.accessToken)).toHaveFocus());
    expect(onClose).not.toHaveBeenCalled();

    // Fixing the token and saving again works.
    mock.onPost(CONFIGS).reply(201, metaConfig());
    await user.clear(screen.getByLabelText(S.modal.fields.accessToken));
    await user.type(screen.getByLabelText(S.modal.fields.accessToken), 'good-token');
    await user.click(await toSave(user));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(lastBody(mock, 'post').apiAccessToken).toBe('good-token');
  });

  it('on 400 puts the field errors on the fields', async () => {
    const { user, mock } = open();
    await choose(user, 'Meta');
    await user.type(screen.getByLabelText(S.modal.fields.pixelIdMeta), '1234567890123');
    await user.type(screen.getByLabelText(S.modal.fields.accessToken), 'token');
    const save = await toSave(user);
    mock.onPost(CONFIGS).reply(
      400,
      apiError('invalid_request', 'invalid fields', [
        { field: 'pixelId', message: 'pixel 1234567890123 is not shared with this token' },
      ]),
    );
    await user.click(save);

    const pixel = await screen.findByLabelText(S.modal.fields.pixelIdMeta);
    expect(pixel).toHaveAttribute('aria-invalid', 'true');
    expect(pixel).toHaveAccessibleDescription(/not shared with this token/);
    expect(screen.getByText(S.modal.fixFields)).toBeInTheDocument();
  });

  it('on 409 says the pixel is already connected', async () => {
    const { user, mock } = open();
    await choose(user, 'Meta');
    await user.type(screen.getByLabelText(S.modal.fields.pixelIdMeta), '1234567890123');
    await user.type(screen.getByLabelText(S.modal.fields.accessToken), 'token');
    const save = await toSave(user);
    mock.onPost(CONFIGS).reply(409, apiError('conflict', ''));
    await user.click(save);
    expect(await screen.findAllByText(S.modal.conflict)).not.toHaveLength(0);
    expect(screen.getByLabelText(S.modal.fields.pixelIdMeta)).toHaveAttribute('aria-invalid', 'true');
  });
});

describe('AddPixelModal: TikTok', () => {
  it('rejects a malformed pixel code and sends it upper-cased', async () => {
    const { user, mock, onClose } = open();
    await choose(user, 'TikTok');
    const code = screen.getByLabelText(S.modal.fields.pixelIdTikTok);
    await user.type(code, 'abc-1');
    expect(await screen.findByText(S.modal.validation.tiktokPixelCode)).toBeInTheDocument();
    await user.clear(code);
    await user.type(code, 'c9abcd1234efgh5678ij');
    await waitFor(() => expect(screen.queryByText(S.modal.validation.tiktokPixelCode)).not.toBeInTheDocument());
    await user.type(screen.getByLabelText(S.modal.fields.accessToken), 'tt-token');
    await user.type(screen.getByLabelText(S.modal.fields.testEventCode), 'TEST123');
    const save = await toSave(user);
    mock.onPost(CONFIGS).reply(201, metaConfig({ platform: 'TikTok' }));
    await user.click(save);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(lastBody(mock, 'post')).toMatchObject({
      platform: 'TikTok',
      pixelId: 'C9ABCD1234EFGH5678IJ',
      apiAccessToken: 'tt-token',
      testEventCode: 'TEST123',
    });
  });
});

describe('AddPixelModal: Google Ads', () => {
  it('checks the customer id and conversion action ids, and sends digits', async () => {
    const { user, mock, onClose } = openGoogle();
    const cid = screen.getByLabelText(S.modal.fields.customerId);
    await user.type(cid, '123-456-789');
    expect(await screen.findByText(S.modal.validation.googleCustomerId)).toBeInTheDocument();
    await user.type(cid, '0');
    await waitFor(() => expect(screen.queryByText(S.modal.validation.googleCustomerId)).not.toBeInTheDocument());
    await user.clear(cid);
    await user.type(cid, '1234567890');
    await waitFor(() => expect(cid).not.toHaveAttribute('aria-invalid'));

    const login = screen.getByLabelText(S.modal.fields.loginCustomerId);
    await user.type(login, '12');
    expect(await screen.findByText(S.modal.validation.googleCustomerId)).toBeInTheDocument();
    await user.clear(login);

    // Without any conversion action Google could take no event.
    await user.click(screen.getByRole('button', { name: S.modal.next }));
    expect(await screen.findByText(S.modal.validation.conversionActionRequired)).toBeInTheDocument();
    const purchase = screen.getByLabelText(S.modal.fields.conversionAction(S.events.label.PURCHASE));
    await user.type(purchase, 'abc');
    expect(await screen.findByText(S.modal.validation.conversionActionId)).toBeInTheDocument();
    await user.clear(purchase);
    await user.type(purchase, '987654321');
    await user.type(screen.getByLabelText(S.modal.fields.conversionAction(S.events.label.LEAD)), '111');
    const save = await toSave(user);
    mock.onPost(CONFIGS).reply(201, metaConfig({ platform: 'Google', pixelId: '1234567890' }));
    await user.click(save);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const body = lastBody(mock, 'post');
    expect(body).toMatchObject({
      platform: 'Google',
      pixelId: '1234567890',
      googleConnection: CONNECTION,
      conversionActions: { PURCHASE: '987654321', LEAD: '111' },
    });
    // Only events with a conversion action are sent to Google.
    expect(body.trackedEvents).toEqual(['PURCHASE', 'LEAD']);
    expect(body.loginCustomerId).toBeUndefined();
  });
});

describe('AddPixelModal: keyboard and editing', () => {
  it('works with the keyboard only: Enter advances, Esc closes', async () => {
    const { user, onClose } = open();
    // Focus starts inside the dialog, on the first platform.
    const meta = screen.getByRole('radio', { name: nameRe(S.platform.name.Meta) });
    await waitFor(() => expect(meta).toHaveFocus());
    await user.keyboard(' ');
    expect(meta).toBeChecked();
    await user.keyboard('{Enter}');
    const pixel = await screen.findByLabelText(S.modal.fields.pixelIdMeta);
    await waitFor(() => expect(pixel).toHaveFocus());
    await user.keyboard('1234567890123');
    await user.tab();
    expect(screen.getByLabelText(S.modal.fields.accessToken)).toHaveFocus();
    await user.keyboard('token{Enter}');
    expect(await screen.findByRole('heading', { name: S.modal.steps[2] })).toBeInTheDocument();
    // Focus lands on the first event; Enter moves on, and on the review step focus is on Save.
    await waitFor(() => expect(screen.getByRole('checkbox', { name: /cliente\.pago_exitoso/ })).toHaveFocus());
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { name: S.modal.steps[3] })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('button', { name: S.modal.save })).toHaveFocus());
    await user.keyboard('{Escape}');
    await waitFor(() => expect(onClose).toHaveBeenCalled());
  });

  it('edits an existing config with the token optional and PATCHes only what it should', async () => {
    const { user, mock, onClose } = open({});
    expect(screen.getByRole('dialog', { name: S.modal.editTitle('Meta') })).toBeInTheDocument();
    const pixel = screen.getByLabelText(S.modal.fields.pixelIdMeta);
    expect(pixel).toHaveValue('1234567890123');
    expect(pixel).toHaveAttribute('readonly');
    await next(user, 2);
    // Events step reflects the saved mapping.
    expect(await screen.findByRole('checkbox', { name: /cliente\.pago_exitoso/ })).toBeChecked();
    expect(screen.getByRole('checkbox', { name: /cita\.agendada/ })).not.toBeChecked();
    await user.click(screen.getByRole('checkbox', { name: /cita\.agendada/ }));
    await next(user, 3);
    mock.onPatch(`${CONFIGS}/cfg-meta-1`).reply(200, metaConfig());
    await user.click(await screen.findByRole('button', { name: S.modal.saveEdit }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const body = lastBody(mock, 'patch');
    expect(body).not.toHaveProperty('apiAccessToken');
    expect(body).not.toHaveProperty('pixelId');
    expect(body.trackedEvents).toEqual(['PURCHASE', 'LEAD', 'SCHEDULE']);
  });

  it('requires at least one event', async () => {
    const { user } = open({});
    await user.click(screen.getByRole('button', { name: S.modal.next }));
    const table = await screen.findByRole('table');
    for (const box of within(table).getAllByRole('checkbox')) if ((box as HTMLInputElement).checked) await user.click(box);
    await user.click(screen.getByRole('button', { name: S.modal.next }));
    expect(await screen.findByText(S.modal.validation.noEvents)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: S.modal.steps[2] })).toBeInTheDocument();
  });
});
