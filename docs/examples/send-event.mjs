// A backend event, signed (Node 18+, no packages): X-Signature: t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<t>.<body>">. Needs APP_URL and INGEST_SIGNING_SECRET; order id as argument.
import { createHmac } from 'node:crypto';

const order = process.argv[2] ?? 'A-1001';
const body = JSON.stringify({
  eventId: `pago-${order}`,
  event: 'cliente.pago_exitoso',
  tenantId: 'demo',
  orderId: order,
  value: 49.9,
  currency: 'EUR',
  customer: { email: 'ana@example.com', phone: '+34 600 000 000' },
});
const t = Math.floor(Date.now() / 1000);
const v1 = createHmac('sha256', process.env.INGEST_SIGNING_SECRET).update(`${t}.${body}`).digest('hex');
const res = await fetch(`${process.env.APP_URL}/api/v1/events`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-signature': `t=${t},v1=${v1}` },
  body,
});
console.log(res.status, await res.text());
if (!res.ok) process.exit(1);
