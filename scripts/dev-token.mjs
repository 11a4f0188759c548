#!/usr/bin/env node
// Prints a signed development JWT (HS256) for the config API, the way TrainerERP signs the
// dashboard's tokens: claims sub, tenant, role, iss, aud, iat, exp. Node built-ins only.
//
//   node scripts/dev-token.mjs --tenant acme --secret "$AUTH_JWT_SECRET" [--role trainer_admin] \
//        [--sub dev] [--hours 8] [--url [--base http://127.0.0.1:3000]]
//
// --url prints the dashboard URL with #token=... (a fragment: never sent to a server or logged
// by a proxy), ready to open in a browser.
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';

const ROLES = ['trainer_admin', 'system_admin'];

function usage(message) {
  if (message) console.error(`dev-token: ${message}`);
  console.error(
    'usage: node scripts/dev-token.mjs --tenant <id> --secret <auth_jwt_secret> [--role trainer_admin|system_admin] [--sub dev] [--hours 8] [--url] [--base http://127.0.0.1:3000]',
  );
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      tenant: { type: 'string' },
      secret: { type: 'string' },
      role: { type: 'string', default: 'trainer_admin' },
      sub: { type: 'string', default: 'dev' },
      hours: { type: 'string', default: '8' },
      url: { type: 'boolean', default: false },
      base: { type: 'string', default: 'http://127.0.0.1:3000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }));
} catch (e) {
  usage(e.message);
}
if (args.help) usage();
if (!args.tenant) usage('--tenant is required');
if (!args.secret) usage('--secret is required (the auth_jwt_secret Spin variable)');
if (!ROLES.includes(args.role)) usage(`--role must be one of ${ROLES.join(', ')}`);
const hours = Number(args.hours);
if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) usage('--hours must be a number between 0 and 720');

const b64url = (input) => Buffer.from(input).toString('base64url');

export function sign(claims, secret) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

const iat = Math.floor(Date.now() / 1000);
const token = sign(
  {
    sub: args.sub,
    tenant: args.tenant,
    role: args.role,
    iss: 'trainererp',
    aud: 'pixel-manager',
    iat,
    exp: iat + Math.round(hours * 3600),
  },
  args.secret,
);

if (args.url) {
  const url = new URL('/dashboard/marketing/pixels/', args.base);
  url.hash = new URLSearchParams({ token }).toString();
  console.log(url.toString());
} else {
  console.log(token);
}
