// End-to-end: "Conectar con Google" in headless Chromium, through the real OAuth flow against
// the mock's consent screen: a denied consent shows the Spanish error page and stores nothing;
// an approved one brings the trainer back to the modal, connected, to finish and save the
// config. Run with scripts/e2e-dashboard (which points google_auth_url at the mock).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TEST_TIMEOUT, api, launch, listConfigs, openDashboard, screenshot, tenant, tokenFor } from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const MODAL = 'Conectar un píxel';
const SAVE = 'Guardar y comprobar credenciales';
const TITLE = 'Píxeles y API de conversiones';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** From the dashboard to Google's consent screen: modal, Google, "Conectar con Google". */
async function toConsent(page) {
  await page.getByRole('button', { name: 'Conectar mi primer píxel' }).click();
  const dialog = page.getByRole('dialog', { name: MODAL });
  await dialog.waitFor();
  await dialog.getByRole('radio', { name: /Google Ads/ }).check();
  await dialog.getByRole('button', { name: 'Siguiente' }).click();
  await dialog.getByRole('heading', { name: 'Credenciales', exact: true }).waitFor();
  // Nothing to paste: the only way in is Google's consent screen.
  assert.equal(await dialog.getByLabel('Token de actualización OAuth').count(), 0);
  await dialog.getByRole('button', { name: 'Conectar con Google' }).click();
  await page.waitForURL(/\/o\/oauth2\/v2\/auth\?/);
  const consent = new URL(page.url());
  assert.equal(consent.searchParams.get('scope'), 'https://www.googleapis.com/auth/datamanager');
  assert.equal(consent.searchParams.get('access_type'), 'offline');
  assert.ok(consent.searchParams.get('state'), 'a state');
}

describe('Conectar con Google (headless Chromium, mock consent screen)', () => {
  test('a denied consent stores nothing; an approved one comes back to finish the config', T, async () => {
    const token = tokenFor(tenant('google'));
    const page = await openDashboard(browser.context, token);
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));

    // Denied: Google's "Denegar" leads to our Spanish page, and nothing is stored.
    await toConsent(page);
    await screenshot(page, 'google-01-consent', { fullPage: true });
    await page.locator('#deny').click();
    await page.getByRole('heading', { name: 'No has dado permiso a Google' }).waitFor();
    assert.equal(await page.locator('body').getAttribute('data-error-code'), 'access_denied');
    await screenshot(page, 'google-02-denied', { fullPage: true });
    assert.equal((await listConfigs(token)).length, 0);
    // The state is spent: reloading the callback cannot turn it into a connection.
    await page.reload();
    await page.getByRole('heading', { name: 'Este enlace ya se ha usado' }).waitFor();
    assert.equal((await listConfigs(token)).length, 0);

    // Back to the dashboard: the session survived the trip to Google.
    await page.getByRole('link', { name: 'Volver al panel' }).click();
    await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();

    // Approved: back in the modal, connected, on the credentials step.
    await toConsent(page);
    await page.locator('#approve').click();
    // The modal opens on arrival, so the page behind it is inert: look inside the dialog.
    const dialog = page.getByRole('dialog', { name: MODAL });
    await dialog.getByRole('status').filter({ hasText: 'Cuenta de Google conectada' }).waitFor();
    assert.ok(!page.url().includes('googleConnection'), `connection id left in the URL: ${page.url()}`);
    await dialog.getByLabel('ID de cliente de Google Ads').fill('123-456-7890');
    await dialog.getByLabel('ID de la acción de conversión para Compra').fill('987654321');
    await screenshot(page, 'google-03-connected');
    await dialog.getByRole('button', { name: 'Siguiente' }).click();
    await dialog.getByRole('heading', { name: 'Eventos', exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Siguiente' }).click();
    await dialog.getByRole('heading', { name: 'Guardar', exact: true }).waitFor();
    await dialog.getByRole('button', { name: SAVE }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('article', { name: /1234567890/ }).waitFor();
    await screenshot(page, 'google-04-card', { fullPage: true });
    const configs = await listConfigs(token);
    assert.equal(configs.length, 1);
    assert.equal(configs[0].platform, 'Google');
    assert.equal(configs[0].pixelId, '1234567890');
    assert.deepEqual(configs[0].trackedEvents, ['PURCHASE']);
    assert.ok(!JSON.stringify(configs[0]).includes('1//mock-'), 'no refresh token in the API');

    // Nothing is left to reuse: another create with a made-up connection is refused.
    const again = await api(token, 'POST', '/tracking-configs', {
      platform: 'Google',
      customerId: '1234567891',
      googleConnection: '0123456789abcdef0123456789abcdef',
      conversionActions: { PURCHASE: '987654321' },
    });
    assert.equal(again.status, 400);
    await page.close();
  });
});
