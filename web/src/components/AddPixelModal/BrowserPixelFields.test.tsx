// The browser pixel switch of the add-pixel modal, and Google's tag id and conversion labels.
import { screen, waitFor } from '@testing-library/react';
import { S } from '../../strings';
import { CONFIGS, choose, lastBody, next, open, openGoogle, toSave } from '../../test/addPixelModal';
import { apiError, metaConfig } from '../../test/utils';

describe('AddPixelModal: browser pixel', () => {
  const F = S.modal.fields;

  it('is off by default, says why, and is sent when switched on', async () => {
    const { user, mock, onClose } = open();
    await choose(user, 'Meta');
    const box = screen.getByRole('checkbox', { name: F.browserPixel });
    expect(box).not.toBeChecked();
    expect(box).toHaveAccessibleDescription(F.browserPixelHint);
    // The Google tag fields belong to Google only.
    await user.click(box);
    expect(screen.queryByLabelText(F.googleTagId)).not.toBeInTheDocument();
    await user.type(screen.getByLabelText(F.pixelIdMeta), '1234567890123');
    await user.type(screen.getByLabelText(F.accessToken), 'EAAB-token');
    await next(user, 2);
    await next(user, 3);
    expect(screen.getByText(S.modal.reviewYes)).toBeInTheDocument();
    mock.onPost(CONFIGS).reply(201, metaConfig({ browserPixel: true }));
    await user.click(screen.getByRole('button', { name: S.modal.save }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const body = lastBody(mock, 'post');
    expect(body.browserPixel).toBe(true);
    expect(body).not.toHaveProperty('googleTagId');
    expect(body).not.toHaveProperty('conversionLabels');
  });

  it('for Google asks for the tag id and a label per tracked event only while it is on', async () => {
    const { user, mock, onClose } = openGoogle();
    await user.type(screen.getByLabelText(F.customerId), '1234567890');
    await user.type(screen.getByLabelText(F.conversionAction(S.events.label.PURCHASE)), '987654321');
    expect(screen.queryByLabelText(F.googleTagId)).not.toBeInTheDocument();

    await user.click(screen.getByRole('checkbox', { name: F.browserPixel }));
    const tag = screen.getByLabelText(F.googleTagId);
    // A label input for each tracked event: only PURCHASE has a conversion action.
    const purchaseLabel = screen.getByLabelText(F.conversionLabel(S.events.label.PURCHASE));
    expect(screen.queryByLabelText(F.conversionLabel(S.events.label.LEAD))).not.toBeInTheDocument();

    // On without a tag id: required.
    await user.click(screen.getByRole('button', { name: S.modal.next }));
    expect(await screen.findByText(S.modal.validation.googleTagIdRequired)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: S.modal.steps[1] })).toBeInTheDocument();
    for (const bad of ['AW-12345', 'AW-1234567890123', 'G-123456789', 'aw-123456789']) {
      await user.clear(tag);
      await user.type(tag, bad);
      expect(await screen.findByText(S.modal.validation.googleTagId)).toBeInTheDocument();
    }
    await user.clear(tag);
    await user.type(tag, 'AW-123456789');
    await waitFor(() => expect(tag).not.toHaveAttribute('aria-invalid'));
    await user.type(purchaseLabel, 'bad label');
    expect(await screen.findByText(S.modal.validation.conversionLabel)).toBeInTheDocument();
    await user.clear(purchaseLabel);
    await user.type(purchaseLabel, 'abc_DEF-123');
    await waitFor(() => expect(purchaseLabel).not.toHaveAttribute('aria-invalid'));

    const save = await toSave(user);
    mock.onPost(CONFIGS).reply(201, metaConfig({ platform: 'Google', pixelId: '1234567890', browserPixel: true }));
    await user.click(save);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(lastBody(mock, 'post')).toMatchObject({
      platform: 'Google',
      browserPixel: true,
      googleTagId: 'AW-123456789',
      conversionLabels: { PURCHASE: 'abc_DEF-123' },
      trackedEvents: ['PURCHASE'],
    });
  });

  it('for Google switched off again hides the tag fields and sends none of them', async () => {
    const { user, mock, onClose } = openGoogle();
    await user.type(screen.getByLabelText(F.customerId), '1234567890');
    await user.type(screen.getByLabelText(F.conversionAction(S.events.label.PURCHASE)), '987654321');
    const box = screen.getByRole('checkbox', { name: F.browserPixel });
    await user.click(box);
    await user.type(screen.getByLabelText(F.googleTagId), 'AW-1');
    await user.click(box);
    expect(screen.queryByLabelText(F.googleTagId)).not.toBeInTheDocument();
    // The half-typed hidden tag id does not hold the user back.
    const save = await toSave(user);
    mock.onPost(CONFIGS).reply(201, metaConfig({ platform: 'Google', pixelId: '1234567890' }));
    await user.click(save);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const body = lastBody(mock, 'post');
    expect(body.browserPixel).toBe(false);
    expect(body).not.toHaveProperty('googleTagId');
  });

  it('puts the server refusal of the tag id on its field', async () => {
    const { user, mock } = openGoogle();
    await user.type(screen.getByLabelText(F.customerId), '1234567890');
    await user.type(screen.getByLabelText(F.conversionAction(S.events.label.PURCHASE)), '987654321');
    await user.click(screen.getByRole('checkbox', { name: F.browserPixel }));
    await user.type(screen.getByLabelText(F.googleTagId), 'AW-123456789');
    const save = await toSave(user);
    mock.onPost(CONFIGS).reply(
      400,
      apiError('invalid_request', 'invalid fields', [
        { field: 'googleTagId', code: 'required', message: 'googleTagId is required when browserPixel is true' },
      ]),
    );
    await user.click(save);
    const tag = await screen.findByLabelText(F.googleTagId);
    expect(tag).toHaveAttribute('aria-invalid', 'true');
    expect(tag).toHaveAccessibleDescription(/required when browserPixel/);
  });

  it('edits the switch with a PATCH only when it changed', async () => {
    const { user, mock, onClose } = open({ browserPixel: true });
    const box = screen.getByRole('checkbox', { name: F.browserPixel });
    expect(box).toBeChecked();
    await user.click(box);
    await next(user, 2);
    await next(user, 3);
    mock.onPatch(`${CONFIGS}/cfg-meta-1`).reply(200, metaConfig());
    await user.click(await screen.findByRole('button', { name: S.modal.saveEdit }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(lastBody(mock, 'patch').browserPixel).toBe(false);
  });

  it('edits a Google config: the stored tag id is shown and not resent when unchanged', async () => {
    const { user, mock, onClose } = open({
      platform: 'Google',
      pixelId: '1234567890',
      trackedEvents: ['PURCHASE'],
      eventMappings: { 'cliente.pago_exitoso': 'PURCHASE' },
      conversionActions: { PURCHASE: '987654321' },
      browserPixel: true,
      googleTagId: 'AW-123456789',
      conversionLabels: { PURCHASE: 'abc' },
    });
    expect(screen.getByLabelText(F.googleTagId)).toHaveValue('AW-123456789');
    const label = screen.getByLabelText(F.conversionLabel(S.events.label.PURCHASE));
    expect(label).toHaveValue('abc');
    await user.clear(label);
    await user.type(label, 'xyz');
    await next(user, 2);
    await next(user, 3);
    mock.onPatch(`${CONFIGS}/cfg-meta-1`).reply(200, metaConfig());
    await user.click(await screen.findByRole('button', { name: S.modal.saveEdit }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const body = lastBody(mock, 'patch');
    expect(body).not.toHaveProperty('browserPixel');
    expect(body).not.toHaveProperty('googleTagId');
    expect(body.conversionLabels).toEqual({ PURCHASE: 'xyz' });
  });
});
