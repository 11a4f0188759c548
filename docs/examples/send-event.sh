#!/usr/bin/env bash
# A backend event, signed: X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">.
# Needs APP_URL and INGEST_SIGNING_SECRET; the order id is the first argument.
set -euo pipefail
order=${1:-A-1001}
body='{"eventId":"pago-'"$order"'","event":"cliente.pago_exitoso","tenantId":"demo","orderId":"'"$order"'","value":49.90,"currency":"EUR","customer":{"email":"ana@example.com","phone":"+34 600 000 000"}}'
t=$(date +%s)
v1=$(printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac "$INGEST_SIGNING_SECRET" -r | cut -d' ' -f1)
curl -sS --fail-with-body -X POST "$APP_URL/api/v1/events" \
  -H 'content-type: application/json' -H "X-Signature: t=$t,v1=$v1" --data-binary "$body"
