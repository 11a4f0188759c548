// End-to-end: "Conectar con Google" in headless Chromium, through the real OAuth flow against
// the mock's consent screen: a denied consent shows the Spanish error page and stores nothing;
// an approved one brings the trainer back to the modal, connected, to finish and save the
// config. Run with scripts/e2e-dashboard (which points google_auth_url at the mock).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  TEST_TIMEOUT,
  api,
  eventually,
  launch,
  listConfigs,
  mock,
  openDashboard,
  postSignedEvents,
  screenshot,
  tenant,
  tick,
  tokenFor,
} from './harness.mjs';

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

    // The trainer removes the app's access at Google: the next payment is refused, the card
    // says so and offers "Reconectar con Google", which goes through the consent screen again.
    const revoked = await mock('POST', 'google/revoke');
    assert.ok(revoked.revoked >= 2, `tokens revoked: ${JSON.stringify(revoked)}`);
    const tenantId = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).tenant;
    const status = await postSignedEvents([
      {
        eventId: 'pay-e2e-1',
        event: 'PURCHASE',
        tenantId,
        value: 30,
        currency: 'EUR',
        orderId: 'E2E-1',
        customer: { email: 'e2e@example.com', gclid: 'Cj0KCQiA_e2e_reconnect' },
      },
    ]);
    assert.equal(status, 202);
    await eventually(async () => {
      await tick();
      return (await listConfigs(token))[0]?.health?.status === 'credentials_invalid';
    }, 'the refused grant in the config health');
    await page.reload();
    const refused = page.getByRole('article', { name: /1234567890/ });
    await refused.getByRole('button', { name: 'Reconectar con Google' }).click();
    await page.waitForURL(/\/o\/oauth2\/v2\/auth\?/);
    await page.locator('#approve').click();
    await page.getByRole('status').filter({ hasText: 'Cuenta de Google reconectada' }).waitFor();
    assert.ok(!page.url().includes('googleConnection'), `connection id left in the URL: ${page.url()}`);
    assert.equal(await page.getByRole('dialog').count(), 0, 'a reconnection opens no modal');
    await refused
      .getByText('Credenciales correctas')
      .waitFor()
      .catch(async (e) => {
        await screenshot(page, 'google-05-reconnect-failed', { fullPage: true });
        throw new Error(`${e.message}\nconfigs: ${JSON.stringify(await listConfigs(token))}`);
      });
    // The page does not keep calling the replaced token a problem while the server re-evaluates.
    assert.equal(await page.getByText('Google ha rechazado el token de acceso').count(), 0);
    await screenshot(page, 'google-05-reconnected', { fullPage: true });
    assert.equal((await listConfigs(token))[0].health.status, 'ok');
    await page.close();
  });
});
