// End-to-end: the trainer's screen in headless Chromium against `testhost up` + `testhost mock`
// (issue 7, "Done when"). Each test has a tenant of its own; assertions are on what the user
// sees, waiting for elements (never on elapsed time). Run with scripts/e2e-dashboard.
// Named *.e2e.mjs, not *.test.*, so that Vitest (npm test) does not pick it up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BASE_URL,
  TEST_TIMEOUT,
  api,
  createMetaConfig,
  eventually,
  launch,
  listConfigs,
  openDashboard,
  screenshot,
  tenant,
  tokenFor,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const EMPTY_TITLE = 'Aún no has conectado ningún píxel';
const MODAL = 'Conectar un píxel';
const SAVE = 'Guardar y comprobar credenciales';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const card = (page, pixelId) => page.getByRole('article', { name: `Meta ${pixelId}` });
const metaSwitch = (page, pixelId) => page.getByRole('switch', { name: `Activar el envío a Meta (${pixelId})` });

async function waitForAttr(locator, attr, value) {
  await eventually(async () => (await locator.getAttribute(attr)) === value, `${attr}="${value}"`);
}

/** The element that has the focus, as the user would name it. */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return '';
    const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent : '';
    return (el.getAttribute('aria-label') || label || el.textContent || el.getAttribute('name') || '').trim();
  });
}

async function tabUntil(page, name, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if ((await focused(page)) === name) return;
  }
  throw new Error(`Tab never reached «${name}» (last: «${await focused(page)}»)`);
}

describe('Pixel Manager dashboard (headless Chromium)', () => {
  test('connects a Meta pixel through the modal: a bad token shows the platform message, a good one lands as a card', T, async () => {
    const token = tokenFor(tenant('create'));
    const pixelId = '1234567890123';
    const page = await openDashboard(browser.context, token);

    // The token left the address bar at once.
    assert.ok(!page.url().includes('token='), `token still in the URL: ${page.url()}`);
    await page.getByRole('heading', { name: EMPTY_TITLE }).waitFor();
    await screenshot(page, '01-empty-state');

    await page.getByRole('button', { name: 'Conectar mi primer píxel' }).click();
    const dialog = page.getByRole('dialog', { name: MODAL });
    await dialog.waitFor();
    await dialog.getByRole('radio', { name: /Meta \(Facebook e Instagram\)/ }).check();
    await dialog.getByRole('button', { name: 'Siguiente' }).click();

    await dialog.getByRole('heading', { name: 'Credenciales', exact: true }).waitFor();
    await dialog.getByLabel('ID del píxel (conjunto de datos)').fill(pixelId);
    await dialog.getByLabel('Token de acceso', { exact: true }).fill('invalid-token');
    await dialog.getByRole('button', { name: 'Siguiente' }).click();
    await dialog.getByRole('heading', { name: 'Eventos', exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Siguiente' }).click();
    await dialog.getByRole('heading', { name: 'Guardar', exact: true }).waitFor();
    await dialog.getByRole('button', { name: SAVE }).click();

    // The platform's own message, and the user is back on the credentials step.
    const verdict = dialog.getByTestId('server-verdict');
    await verdict.waitFor();
    const said = await verdict.innerText();
    assert.match(said, /Respuesta de Meta: «.+»/);
    assert.doesNotMatch(said, /rejected the credentials/, 'our English prefix stays out of the Spanish UI');
    await dialog.getByRole('alert').filter({ hasText: 'La plataforma ha rechazado las credenciales' }).waitFor();
    await dialog.getByRole('heading', { name: 'Credenciales', exact: true }).waitFor();
    await dialog.getByText('Paso 2 de 4').waitFor();
    const tokenField = dialog.getByLabel('Token de acceso', { exact: true });
    assert.equal(await tokenField.inputValue(), 'invalid-token');
    assert.equal(await dialog.getByLabel('ID del píxel (conjunto de datos)').inputValue(), pixelId);
    assert.equal(await card(page, pixelId).count(), 0, 'a rejected config must not appear as a card');
    await screenshot(page, '02-modal-credentials-rejected');

    // A good token: saved, the modal closes and the pixel is a card, switched on.
    await tokenField.fill('EAAB-e2e-good-token');
    await dialog.getByRole('button', { name: 'Siguiente' }).click();
    await dialog.getByRole('heading', { name: 'Eventos', exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Siguiente' }).click();
    await dialog.getByRole('button', { name: SAVE }).click();
    await dialog.waitFor({ state: 'hidden' });

    const created = card(page, pixelId);
    await created.waitFor();
    await created.getByText('Credenciales correctas').waitFor();
    await waitForAttr(metaSwitch(page, pixelId), 'aria-checked', 'true');
    await page.getByTestId('kpi-active').getByText('1', { exact: true }).waitFor();
    assert.equal(await page.getByRole('heading', { name: EMPTY_TITLE }).count(), 0);
    await screenshot(page, '03-card-connected', { fullPage: true });

    const configs = await listConfigs(token);
    assert.equal(configs.length, 1);
    assert.equal(configs[0].platform, 'Meta');
    assert.equal(configs[0].pixelId, pixelId);
    assert.equal(configs[0].isActive, true);
    await page.close();
  });

  test('switches a pixel off and on, and the API agrees (also after a reload)', T, async () => {
    const token = tokenFor(tenant('toggle'));
    const pixelId = '2345678901234';
    const { id } = await createMetaConfig(token, pixelId);
    const page = await openDashboard(browser.context, token);
    const sw = metaSwitch(page, pixelId);
    await waitForAttr(sw, 'aria-checked', 'true');
    await card(page, pixelId).getByText('Enviando eventos').waitFor();

    await sw.click();
    await waitForAttr(sw, 'aria-checked', 'false');
    await card(page, pixelId).getByText('En pausa').waitFor();
    await eventually(async () => (await listConfigs(token)).find((c) => c.id === id)?.isActive === false, 'the API to say isActive=false');
    await page.getByTestId('kpi-active').getByText('0', { exact: true }).waitFor();
    await screenshot(page, '04-card-paused', { fullPage: true });

    // The page was reloaded (the token is kept for the tab): still off.
    await page.reload();
    await waitForAttr(metaSwitch(page, pixelId), 'aria-checked', 'false');
    await card(page, pixelId).getByText('En pausa').waitFor();

    await metaSwitch(page, pixelId).click();
    await waitForAttr(metaSwitch(page, pixelId), 'aria-checked', 'true');
    await card(page, pixelId).getByText('Enviando eventos').waitFor();
    await eventually(async () => (await listConfigs(token)).find((c) => c.id === id)?.isActive === true, 'the API to say isActive=true');
    await page.getByTestId('kpi-active').getByText('1', { exact: true }).waitFor();
    await page.reload();
    await waitForAttr(metaSwitch(page, pixelId), 'aria-checked', 'true');
    await page.close();
  });

  test('sends a test event and shows it in the logs', T, async () => {
    const token = tokenFor(tenant('testevent'));
    const pixelId = '3456789012345';
    await createMetaConfig(token, pixelId);
    const page = await openDashboard(browser.context, token);
    const c = card(page, pixelId);
    await c.waitFor();

    await c.getByRole('button', { name: 'Enviar evento de prueba' }).click();
    await c.getByText('Evento de prueba aceptado por la plataforma.').waitFor();

    await c.getByRole('button', { name: 'Ver registros' }).click();
    const logs = page.getByRole('dialog', { name: `Registros de Meta · ${pixelId}` });
    await logs.waitFor();
    const table = logs.getByRole('table');
    await table.waitFor();
    const row = table.getByRole('row').filter({ hasText: 'Prueba' });
    await row.first().waitFor();
    assert.equal(await row.count(), 1, 'one test delivery in the log');
    await row.getByRole('cell', { name: 'LEAD', exact: true }).or(row.getByRole('cell', { name: 'Lead', exact: true })).waitFor();
    await row.getByRole('cell', { name: '200', exact: true }).waitFor();

    // The row expands to the payload that was sent (hashed, never in clear).
    const toggle = row.getByRole('button', { name: /^Ver datos enviados de / });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await toggle.click();
    await waitForAttr(toggle, 'aria-expanded', 'true');
    await logs.getByText('Datos enviados (los datos personales van con hash SHA-256, nunca en claro)').waitFor();
    const payload = await logs.locator('pre').first().innerText();
    assert.match(payload, /TEST12345/, 'the test event carries the config’s test event code');
    assert.doesNotMatch(payload, /test-event@trainererp\.invalid/, 'no email in clear');
    await screenshot(page, '05-logs-test-event');

    await logs.getByRole('button', { name: 'Cerrar' }).click();
    await logs.waitFor({ state: 'hidden' });
    await page.close();
  });

  test('deletes a pixel after confirming, and the empty state returns', T, async () => {
    const token = tokenFor(tenant('delete'));
    const pixelId = '4567890123456';
    await createMetaConfig(token, pixelId);
    const page = await openDashboard(browser.context, token);
    const c = card(page, pixelId);
    await c.waitFor();

    await c.getByRole('button', { name: 'Eliminar' }).click();
    const confirm = page.getByRole('alertdialog', { name: '¿Eliminar este píxel?' });
    await confirm.waitFor();
    await confirm.getByText(`Dejaremos de enviar eventos a Meta (${pixelId}).`, { exact: false }).waitFor();
    await screenshot(page, '06-confirm-delete');

    // "Cancelar" keeps it.
    await confirm.getByRole('button', { name: 'Cancelar' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await c.waitFor();

    await c.getByRole('button', { name: 'Eliminar' }).click();
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Sí, eliminar' }).click();
    await c.waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: EMPTY_TITLE }).waitFor();
    await page.getByRole('button', { name: 'Conectar mi primer píxel' }).waitFor();
    assert.deepEqual(await listConfigs(token), []);

    await page.reload();
    await page.getByRole('heading', { name: EMPTY_TITLE }).waitFor();
    await screenshot(page, '07-empty-after-delete', { fullPage: true });
    await page.close();
  });

  test('the modal works with the keyboard alone (Tab, Enter, Escape; Space picks the platform)', T, async () => {
    const token = tokenFor(tenant('keyboard'));
    const pixelId = '5678901234567';
    const page = await openDashboard(browser.context, token);
    await page.getByRole('heading', { name: EMPTY_TITLE }).waitFor();
    const dialog = page.getByRole('dialog', { name: MODAL });

    // Tab to the call to action; Enter opens the modal, Escape closes it.
    await tabUntil(page, 'Conectar mi primer píxel');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    if ((await focused(page)) !== 'Conectar mi primer píxel') await tabUntil(page, 'Conectar mi primer píxel');
    await page.keyboard.press('Enter');
    await dialog.waitFor();

    // Step 1: focus starts on the first platform (Meta); Space picks it, Enter moves on.
    const meta = dialog.getByRole('radio', { name: /Meta \(Facebook e Instagram\)/ });
    await eventually(() => meta.evaluate((el) => el === document.activeElement), 'focus on the Meta radio');
    await page.keyboard.press('Space');
    assert.equal(await meta.isChecked(), true);
    await page.keyboard.press('Enter');

    // Step 2: focus on the pixel id; Tab to the token; Enter moves on.
    const pixel = dialog.getByLabel('ID del píxel (conjunto de datos)');
    await pixel.waitFor();
    await eventually(() => pixel.evaluate((el) => el === document.activeElement), 'focus on the pixel id');
    await page.keyboard.type(pixelId);
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'Token de acceso');
    await page.keyboard.type('EAAB-e2e-keyboard-token');
    await screenshot(page, '08-keyboard-credentials');
    await page.keyboard.press('Enter');

    // Step 3: focus on the first event; Enter moves on.
    await dialog.getByRole('heading', { name: 'Eventos', exact: true }).waitFor();
    await eventually(
      () => dialog.getByRole('checkbox').first().evaluate((el) => el === document.activeElement),
      'focus on the first event',
    );
    await page.keyboard.press('Enter');

    // Step 4: focus is on Save; Enter saves.
    await dialog.getByRole('heading', { name: 'Guardar', exact: true }).waitFor();
    const save = dialog.getByRole('button', { name: SAVE });
    await eventually(() => save.evaluate((el) => el === document.activeElement), 'focus on Save');
    // Tab stays inside the dialog (focus trap).
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => !!document.activeElement?.closest('[role="dialog"]')), true, 'focus left the dialog');
    await page.keyboard.down('Shift');
    await page.keyboard.press('Tab');
    await page.keyboard.up('Shift');
    await eventually(() => save.evaluate((el) => el === document.activeElement), 'focus back on Save');
    await screenshot(page, '09-keyboard-review');
    await page.keyboard.press('Enter');

    await dialog.waitFor({ state: 'hidden' });
    await card(page, pixelId).waitFor();
    await waitForAttr(metaSwitch(page, pixelId), 'aria-checked', 'true');
    const configs = await listConfigs(token);
    assert.equal(configs.length, 1);
    assert.equal(configs[0].pixelId, pixelId);
    await page.close();
  });
});

// Keep BASE_URL in the log: which host the run went against.
console.log(`e2e against ${BASE_URL}`);
