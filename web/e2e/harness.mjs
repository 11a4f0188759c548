// Shared set-up for the end-to-end tests: Debian's Chromium through playwright-core, a signed
// token per tenant (scripts/dev-token.mjs, as TrainerERP would), the config API for set-up and
// cross-checks, and screenshots into artifacts/e2e. The URLs and secrets come from
// scripts/e2e-dashboard (E2E_BASE_URL, E2E_JWT_SECRET, E2E_MOCK_URL, E2E_INGEST_SECRET).
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

export const BASE_URL = required('E2E_BASE_URL').replace(/\/$/, '');
export const SECRET = required('E2E_JWT_SECRET');
export const ARTIFACTS = process.env.E2E_ARTIFACTS || join(repo, 'artifacts', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Generous: two loaded cores, a wasm host and a browser share them. */
export const TIMEOUT = 45_000;
export const TEST_TIMEOUT = 240_000;

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with scripts/e2e-dashboard`);
  return v;
}

/** A tenant of its own per test: tests do not see each other's pixels. */
export function tenant(name) {
  return `e2e-${name}-${Math.random().toString(36).slice(2, 8)}`;
}

export function tokenFor(tenantId, role = 'trainer_admin') {
  return execFileSync(
    process.execPath,
    [join(repo, 'scripts', 'dev-token.mjs'), '--tenant', tenantId, '--secret', SECRET, '--hours', '2', '--role', role],
    { encoding: 'utf8' },
  ).trim();
}

/** A backend event batch signed as TrainerERP signs it (`X-Signature: t=…,v1=…`); the status. */
export async function postSignedEvents(events) {
  const body = JSON.stringify(events);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', required('E2E_INGEST_SECRET')).update(`${t}.${body}`).digest('hex');
  const res = await fetch(`${BASE_URL}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': `t=${t},v1=${v1}` },
    body,
  });
  return res.status;
}

/** One dispatcher pass now, as a system admin's scheduler would run it. */
export async function tick() {
  const res = await api(tokenFor('e2e-admin', 'system_admin'), 'POST', '/dispatcher/tick', {});
  if (res.status !== 200) throw new Error(`tick answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Steers the mock platforms (`/_mock/...`). */
export async function mock(method, path) {
  const res = await fetch(`${required('E2E_MOCK_URL')}/_mock/${path}`, { method });
  if (!res.ok) throw new Error(`mock ${method} ${path} answered ${res.status}`);
  return res.status === 204 ? null : res.json();
}

/**
 * Chromium with a fresh, empty profile; the background-networking flags keep it from dialling
 * out (this is a closed network, and such connections get refused).
 */
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    locale: 'es-ES',
    timezoneId: 'Europe/Madrid',
  });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the dashboard the way TrainerERP does: `#token=` once, then the page keeps it. */
export async function openDashboard(context, token) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${BASE_URL}/dashboard/marketing/pixels/#token=${encodeURIComponent(token)}`);
  await page.getByRole('heading', { level: 1, name: 'Píxeles y API de conversiones' }).waitFor();
  return page;
}

/**
 * What the user sees (the viewport): a full-page capture of an open dialog would show the fixed
 * backdrop covering only part of the page. `fullPage` for page states without a dialog.
 */
export async function screenshot(page, name, { fullPage = false } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

/** The config API, as the page calls it (bearer token). */
export async function api(token, method, path, body) {
  const res = await fetch(`${BASE_URL}/api/v1/marketing${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

/** A Meta config made through the API, for tests whose subject is not the modal. */
export async function createMetaConfig(token, pixelId) {
  const res = await api(token, 'POST', '/tracking-configs', {
    platform: 'Meta',
    pixelId,
    apiAccessToken: 'EAAB-e2e-good-token',
    trackedEvents: ['LEAD', 'PURCHASE'],
    eventMappings: { 'lead.registrado': 'LEAD', 'cliente.pago_exitoso': 'PURCHASE' },
    testEventCode: 'TEST12345',
  });
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`creating the Meta config answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

/** The list endpoint's configs (whatever envelope it uses). */
export async function listConfigs(token) {
  const res = await api(token, 'GET', '/tracking-configs');
  if (res.status !== 200) throw new Error(`GET tracking-configs answered ${res.status}`);
  const b = res.body;
  return Array.isArray(b) ? b : (b.configs ?? b.items ?? b.data ?? []);
}

/** Waits until `check()` holds (for state only readable by polling, like the API's). */
export async function eventually(check, what, timeout = TIMEOUT) {
  const until = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
