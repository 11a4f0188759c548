#!/usr/bin/env node
// Seeds the demo tenant for scripts/dev through the config API, as a trainer would from the
// dashboard: a Meta, a TikTok and a Google config (fake tokens the mock platforms accept) and the
// demo site's mapping with its consent settings. Safe to run again: what exists is kept.
// Node built-ins only.
//
//   node scripts/dev-seed.mjs --base http://127.0.0.1:3000 --secret <auth_jwt_secret> \
//        --tenant demo --host demo.localhost --origin http://127.0.0.1:3002 \
//        --mock http://127.0.0.1:3001 [--no-configs]
//
// Site verification (when the API asks for it): the site answers `verification.status =
// "pending"` with a TXT record to publish; the demo publishes it on the mock's DNS-over-HTTPS
// stand-in (`POST /_mock/dns`, which the app reads through `dns_resolver_url`) and asks the API
// to verify. An API that does not verify sites answers without `verification`, and that is fine.
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    secret: { type: 'string' },
    tenant: { type: 'string', default: 'demo' },
    host: { type: 'string' },
    origin: { type: 'string' },
    mock: { type: 'string' },
    'no-configs': { type: 'boolean', default: false },
  },
  strict: true,
});
for (const name of ['base', 'secret', 'host', 'origin', 'mock']) {
  if (!args[name]) {
    console.error(`dev-seed: --${name} is required`);
    process.exit(2);
  }
}

/** The demo's configs: ids in each platform's format, tokens the mock accepts. */
const DEMO_CONFIGS = [
  {
    platform: 'Meta',
    pixelId: '1234567890123',
    apiAccessToken: 'EAAB-demo-token',
    eventMappings: { 'lead.registrado': 'LEAD', 'cliente.pago_exitoso': 'PURCHASE' },
  },
  { platform: 'TikTok', pixelId: 'CDEMO12345678901234567', apiAccessToken: 'demo-tiktok-token' },
  {
    platform: 'Google',
    pixelId: '123-456-7890',
    refreshToken: '1//demo-refresh-token',
    conversionActions: { LEAD: '111111111', PURCHASE: '987654321' },
  },
];

/** The demo site: its pages by kind, and consent read from the banner's cookie (opt-in). */
const SITE = {
  originUrl: args.origin,
  consent: { cookie: 'tr_consent', policy: 'opt-in', limitedDataUse: false },
  rules: {
    contentPaths: ['/programas/*'],
    leadPaths: ['/registro'],
    checkoutPaths: ['/checkout'],
    thankYouPaths: ['/gracias'],
  },
};

function sign(claims, secret) {
  const b64url = (input) => Buffer.from(input).toString('base64url');
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

const iat = Math.floor(Date.now() / 1000);
// Short-lived: it only lives for this seeding. With `iss`/`aud` first, as the API requires since
// issue 12; an API from before (which refuses an `aud` it does not expect) gets a token without.
const claims = { sub: 'dev-seed', tenant: args.tenant, role: 'trainer_admin', iat, exp: iat + 600 };
let token = sign({ ...claims, iss: 'trainererp', aud: 'pixel-manager' }, args.secret);

async function call(method, url, body, auth = true) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(auth ? { authorization: `Bearer ${token}` } : {}),
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

/** Fails the seeding with the API's own words (which never carry a token). */
function fail(what, res) {
  console.error(`dev-seed: ${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  process.exit(1);
}

const api = `${args.base.replace(/\/$/, '')}/api/v1/marketing`;

if ((await call('GET', `${api}/tracking-configs`)).status === 401) token = sign(claims, args.secret);

if (!args['no-configs']) {
  const listed = await call('GET', `${api}/tracking-configs`);
  if (listed.status !== 200) fail('GET tracking-configs', listed);
  const b = listed.body;
  const existing = Array.isArray(b) ? b : (b.configs ?? b.items ?? b.data ?? []);
  for (const config of DEMO_CONFIGS) {
    const have = existing.some((c) => c.platform === config.platform && c.pixelId === config.pixelId);
    if (have) {
      console.log(`  ${config.platform} ${config.pixelId}: ya existe`);
      continue;
    }
    const created = await call('POST', `${api}/tracking-configs`, config);
    if (created.status === 409) {
      console.log(`  ${config.platform} ${config.pixelId}: ya existe`);
    } else if (created.status === 201 || created.status === 200) {
      console.log(`  ${config.platform} ${config.pixelId}: creado`);
    } else {
      fail(`POST tracking-configs (${config.platform})`, created);
    }
  }
}

const site = await call('PUT', `${api}/sites/${encodeURIComponent(args.host)}`, SITE);
if (site.status !== 200 && site.status !== 201) fail(`PUT sites/${args.host}`, site);
const verification = site.body?.verification;
if (verification?.status === 'pending') {
  const mock = args.mock.replace(/\/$/, '');
  const dns = await call(
    'POST',
    `${mock}/_mock/dns`,
    { name: verification.txtName, type: 'TXT', data: verification.txtValue },
    false,
  );
  if (dns.status >= 300) fail('POST /_mock/dns', dns);
  const verified = await call('POST', `${api}/sites/${encodeURIComponent(args.host)}/verify`, {});
  if (verified.status >= 300) fail(`POST sites/${args.host}/verify`, verified);
  const status = verified.body?.verification?.status ?? verified.body?.status;
  if (status && status !== 'verified') fail(`POST sites/${args.host}/verify (status ${status})`, verified);
  console.log(`  sitio ${args.host}: verificado (registro TXT en el DNS simulado)`);
} else {
  console.log(`  sitio ${args.host} → ${args.origin}`);
}
