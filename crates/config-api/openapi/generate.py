#!/usr/bin/env python3
"""Writes ../openapi.json, the OpenAPI 3.1 description config-api serves at /api/v1/openapi.json.

Kept as code so the many repeated parts (errors, path parameters) are written once; the JSON
is committed and checked against the running implementation by the end-to-end tests.
Run: python3 crates/config-api/openapi/generate.py
"""
import json, pathlib

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def err(desc): return {"description": desc, "content": {"application/json": {"schema": ref("Error")}}}
def ok(desc, schema): return {"description": desc, "content": {"application/json": {"schema": schema}}}

REQUIRE_SIGNED = ("A thank-you page yields a Purchase only with TrainerERP's firma: HMAC-SHA256 of "
                  "\"<order>|<value with 2 decimals>\" under HMAC-SHA256(ingest secret, \"thank-you-url\")")

COMMON = {"401": err("Missing, malformed, expired or badly signed token"),
          "403": err("The caller may not act on that tenant")}
BODY_ERRORS = {"400": err("Malformed input; details name the fields"),
               "413": err("Body over 64 KiB"), "415": err("Body is not JSON")}
CONFIG_ID = {"name": "configId", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}
HOST = {"name": "host", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 253}}
LIMIT = {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}
TENANT = {"name": "tenantId", "in": "query", "required": False,
          "description": "system_admin only: act on this tenant",
          "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}}

EVENT = {"type": "string", "enum": ["PAGE_VIEW", "VIEW_CONTENT", "LEAD", "SCHEDULE", "INITIATE_CHECKOUT",
         "PURCHASE", "SUBSCRIBE", "COMPLETE_REGISTRATION", "START_TRIAL", "CONTACT", "ADD_TO_CART",
         "ADD_PAYMENT_INFO", "SEARCH", "SUBMIT_APPLICATION"]}
EVENT_IN = {"type": "string", "minLength": 1, "maxLength": 64,
            "description": "A spec name (PURCHASE) or a platform's own name as an alias (Purchase, PageView)"}
TS = {"type": "string", "format": "date-time"}
BROWSER_PIXEL = {"type": "boolean", "default": False,
                 "description": "The edge also injects this platform's browser pixel (Meta fbq, TikTok ttq, Google gtag) "
                                "into the site's pages, with the server event's id so the platform keeps one of the two. "
                                "Off by default: a site that already has its own pixel would count browser events twice. "
                                "Google needs googleTagId for it"}
TAG_ID = {"type": ["string", "null"], "pattern": "^AW-[0-9]{6,12}$",
          "description": "Google only: the Google tag id the browser pixel loads (AW-123456789); "
                         "required when browserPixel is true; null for none"}
LABELS = {"type": ["object", "null"],
          "description": "Google only: the gtag conversion label per standard event (send_to AW-…/label); "
                         "events the config does not track may have one (unused); null for none",
          "propertyNames": EVENT_IN,
          "additionalProperties": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}}

GOOGLE_API = {"type": "string", "enum": ["dataManager", "adsApi"],
              "description": "Google only: the API deliveries go through. dataManager (default for new configs): "
                             "events:ingest of the Data Manager API, Google's path for everyone since the Ads API upload "
                             "closed to new adopters (June 2026). adsApi: the Google Ads API uploadClickConversions, only "
                             "for accounts Google already allowlisted; configs created before the field existed are adsApi"}
TOKEN_IN = {"type": "string", "minLength": 1, "writeOnly": True,
            "description": "Checked with the platform before anything is stored, then kept encrypted and never shown again"}
GOOGLE_CUSTOMER = {"type": "string", "pattern": "^([0-9]{10}|[0-9]{3}-[0-9]{3}-[0-9]{4})$"}
CREATE_COMMON = {
    "trackedEvents": {"type": "array", "items": EVENT_IN},
    "eventMappings": {"type": "object", "additionalProperties": EVENT_IN},
    "testEventCode": {"type": ["string", "null"]}, "isActive": {"type": "boolean"},
    "browserPixel": BROWSER_PIXEL}

schemas = {
  "Error": {"type": "object", "required": ["error"], "properties": {"error": {
      "type": "object", "required": ["code", "message"], "properties": {
          "code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}},
  "Platform": {"type": "string", "enum": ["Meta", "Google", "TikTok"]},
  "StandardEvent": EVENT,
  "Health": {"type": "object", "required": ["status"], "properties": {
      "status": {"type": "string", "enum": ["ok", "credentials_invalid", "unverified"]},
      "lastError": {"type": ["string", "null"]}, "checkedAt": {"oneOf": [TS, {"type": "null"}]}}},
  "LastEvent": {"type": "object", "required": ["time", "status"], "properties": {
      "time": TS, "status": {"type": "string"}}},
  "TrackingConfig": {"type": "object",
      "required": ["id", "platform", "pixelId", "isActive", "createdAt", "updatedAt", "trackedEvents",
                   "eventMappings", "health", "lastEvent", "browserPixel"],
      "properties": {
          "id": {"type": "string"}, "platform": ref("Platform"), "pixelId": {"type": "string"},
          "isActive": {"type": "boolean"}, "createdAt": TS, "updatedAt": TS,
          "trackedEvents": {"type": "array", "items": ref("StandardEvent")},
          "eventMappings": {"type": "object", "additionalProperties": ref("StandardEvent")},
          "testEventCode": {"type": ["string", "null"]},
          "health": ref("Health"), "lastEvent": {"oneOf": [ref("LastEvent"), {"type": "null"}]},
          "customerId": {"type": "string"}, "loginCustomerId": {"type": "string"},
          "conversionActions": {"type": "object", "additionalProperties": {"type": "string"}},
          "browserPixel": {"type": "boolean", "description": BROWSER_PIXEL["description"]},
          "googleTagId": {"type": ["string", "null"], "description": "Google only: the Google tag id (AW-123456789), null until set"},
          "conversionLabels": {"type": "object", "additionalProperties": {"type": "string"},
                               "description": "Google only: the gtag conversion label per standard event"},
          "googleApi": GOOGLE_API},
      "not": {"anyOf": [{"required": ["apiAccessToken"]}, {"required": ["refreshToken"]}]}},
  "ConfigCreate": {"description": "One shape per platform: each names its pixel or account the way that platform writes it",
      "oneOf": [ref("MetaConfigCreate"), ref("TikTokConfigCreate"), ref("GoogleConfigCreate")]},
  "MetaConfigCreate": {"type": "object", "additionalProperties": False,
      "required": ["platform", "pixelId", "apiAccessToken"],
      "properties": {"platform": {"const": "Meta"},
          "pixelId": {"type": "string", "pattern": "^[0-9]{10,20}$", "description": "The pixel (dataset) id"},
          "apiAccessToken": TOKEN_IN} | CREATE_COMMON},
  "TikTokConfigCreate": {"type": "object", "additionalProperties": False,
      "required": ["platform", "pixelId", "apiAccessToken"],
      "properties": {"platform": {"const": "TikTok"},
          "pixelId": {"type": "string", "pattern": "^[A-Z0-9]{12,32}$", "description": "The pixel code"},
          "apiAccessToken": TOKEN_IN} | CREATE_COMMON},
  "GoogleConfigCreate": {"type": "object", "additionalProperties": False,
      "required": ["platform", "conversionActions"],
      "allOf": [{"anyOf": [{"required": ["pixelId"]}, {"required": ["customerId"]}]},
                {"oneOf": [{"required": ["googleConnection"]}, {"required": ["refreshToken"]}, {"required": ["apiAccessToken"]}]}],
      "properties": {"platform": {"const": "Google"},
          "pixelId": GOOGLE_CUSTOMER | {"description": "The Google Ads customer id (same as customerId)"},
          "customerId": GOOGLE_CUSTOMER,
          "googleConnection": {"type": "string", "pattern": "^[0-9a-f]{32}$", "writeOnly": True,
                               "description": "The pending connection Conectar con Google left "
                               "(GET /oauth/google/start, then the callback's ?googleConnection=); consumed by this create"},
          "refreshToken": TOKEN_IN | {"description": "Legacy: an OAuth refresh token pasted by an API user; "
                                      "new integrations use googleConnection"},
          "apiAccessToken": TOKEN_IN | {"description": "Legacy: another name for refreshToken"},
          "loginCustomerId": {"oneOf": [GOOGLE_CUSTOMER, {"type": "null"}],
                              "description": "The manager account the customer is reached through"},
          "conversionActions": {"type": "object", "minProperties": 1, "propertyNames": EVENT,
                                "additionalProperties": {"type": "string", "pattern": "^[0-9]{1,20}$"},
                                "description": "The conversion action id per standard event"},
          "googleTagId": TAG_ID, "conversionLabels": LABELS,
          "googleApi": GOOGLE_API | {"default": "dataManager"}} | CREATE_COMMON},
  "ConfigPatch": {"type": "object", "additionalProperties": False, "properties": {
          "isActive": {"type": "boolean"}, "apiAccessToken": {"type": "string", "writeOnly": True},
          "refreshToken": {"type": "string", "writeOnly": True},
          "googleConnection": {"type": "string", "pattern": "^[0-9a-f]{32}$", "writeOnly": True,
                               "description": "Google only: reconnect with a new Conectar con Google connection; "
                                              "its refresh token replaces the stored one after the same check as on create"},
          "trackedEvents": {"type": "array", "items": EVENT_IN},
          "eventMappings": {"type": "object", "additionalProperties": EVENT_IN},
          "testEventCode": {"type": ["string", "null"]}, "loginCustomerId": {"type": ["string", "null"]},
          "conversionActions": {"type": "object", "additionalProperties": {"type": "string"}},
          "browserPixel": {"type": "boolean", "description": BROWSER_PIXEL["description"]},
          "googleTagId": {**TAG_ID, "description": TAG_ID["description"] + "; a patch that turns browserPixel on or "
                          "clears the tag id is checked against the config as it will be"},
          "conversionLabels": {**LABELS, "description": LABELS["description"] + "; replaces every label"},
          "googleApi": GOOGLE_API}},
  "Site": {"type": "object", "required": ["host", "originUrl", "consent", "rules", "requireSignedOrders",
                                          "verification", "createdAt", "updatedAt"],
      "properties": {"host": {"type": "string"}, "originUrl": {"type": "string"},
          "consent": ref("Consent"), "rules": ref("SiteRules"),
          "requireSignedOrders": {"type": "boolean", "description": REQUIRE_SIGNED},
          "verification": ref("SiteVerification"), "createdAt": TS, "updatedAt": TS}},
  "SiteVerification": {"type": "object", "required": ["status", "txtName", "txtValue"],
      "description": "Ownership of the host: pending until a DNS TXT record txtName holds txtValue and "
                     "POST .../verify has seen it; a pending host is not served by the edge",
      "properties": {"status": {"type": "string", "enum": ["pending", "verified"]},
          "txtName": {"type": "string"}, "txtValue": {"type": "string"},
          "verifiedAt": {"type": ["string", "null"], "format": "date-time"}}},
  "Consent": {"type": "object", "additionalProperties": False, "properties": {
          "cookie": {"type": "string"}, "policy": {"type": "string", "enum": ["opt-in", "opt-out"]},
          "limitedDataUse": {"type": "boolean", "description":
              "Ask Meta to apply Limited Data Use to visitors it locates in US states whose privacy laws "
              "require it, California among them (data_processing_options LDU with country and state 0)"}}},
  "SiteRules": {"type": "object", "additionalProperties": False, "properties": {
          k: {"type": "array", "items": {"type": "string"}} for k in
          ["contentPaths", "leadPaths", "checkoutPaths", "thankYouPaths"]}},
  "SitePut": {"type": "object", "additionalProperties": False, "required": ["originUrl"], "properties": {
          "originUrl": {"type": "string", "format": "uri", "description":
              "A public http(s) origin: never loopback, private, link-local, unique-local, multicast, "
              "*.spin.internal, the app's own host or the site itself (400 forbidden_origin says why; "
              "allow_private_origins=true allows loopback/private for development)"},
          "consent": ref("Consent"), "rules": ref("SiteRules"),
          "requireSignedOrders": {"type": "boolean", "default": False, "description": REQUIRE_SIGNED}}},
  "TickResult": {"type": "object", "description": "What one dispatcher pass did",
      "properties": {k: {"type": "integer"} for k in
          ["configs", "claimed", "delivered", "retried", "deadLettered", "held", "cancelled", "unsent", "requests",
           "deferred", "polled"]}
      | {"retries": {"type": "array", "items": {"type": "object", "properties": {
            "configId": {"type": "string"}, "eventId": {"type": "string"}, "attempt": {"type": "integer"},
            "answeredAt": {"type": "integer", "description": "Unix ms"},
            "nextAttemptAt": {"type": "integer", "description": "Unix ms"}, "reason": {"type": "string"}}}},
         "errors": {"type": "array", "items": {"type": "string"}},
         "alerts": {"type": "object", "description": "The alert step the tick ran after its pass, at now + aheadMs",
             "properties": {"evaluated": {"type": "boolean"}, "tenants": {"type": "integer"},
                 "raised": {"type": "integer"}, "cleared": {"type": "integer"},
                 "webhooks": {"type": "object", "properties": {"sent": {"type": "integer"}, "failed": {"type": "integer"}}}}}}},
  "Alert": {"type": "object", "required": ["id", "kind", "since", "count"],
      "description": "An alert of a config (configId, platform) or of a site (host)",
      "properties": {"id": {"type": "string", "description": "Stable per cause: {kind}:{configId} or site_silent:{host}"},
          "kind": {"type": "string", "enum": ["credentials_refused", "success_rate_low", "dead_letters_today",
                                              "google_request_failures", "site_silent"]},
          "configId": {"type": "string"}, "platform": ref("Platform"), "host": {"type": "string"},
          "since": {"type": ["integer", "null"], "description": "Unix ms when it was raised"},
          "count": {"type": ["integer", "null"], "description": "Events concerned, when it counts events"},
          "clearedAt": {"type": "integer", "description": "Unix ms (webhooks of alert.cleared only)"}}},
  "TestResult": {"type": "object", "required": ["delivered", "responseCode", "platformMessage", "payload"],
      "properties": {"delivered": {"type": "boolean"}, "responseCode": {"type": ["integer", "null"]},
          "platformMessage": {"type": ["string", "null"]},
          "payload": {"description": "The request body sent (hashed fields only, never the token)"}}},
  "TrackingStats": {"type": "object",
      "required": ["days", "eventsSent", "succeeded", "failed", "deadLettered", "successRate", "eventsByType",
                   "avgLatencyMs", "p95LatencyMs", "reconciliation", "activeConfigs", "matchQuality",
                   "metaEventMatchQuality"],
      "properties": {"days": {"type": "integer"}, "configId": {"type": ["string", "null"]},
          "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
          "eventsSent": {"type": "integer"}, "succeeded": {"type": "integer"}, "failed": {"type": "integer"},
          "deadLettered": {"type": "integer"}, "successRate": {"type": ["number", "null"]},
          "eventsByType": {"type": "object", "additionalProperties": {"type": "integer"}},
          "avgLatencyMs": {"type": ["integer", "null"], "description": "Enqueue to the platform's accepting answer"},
          "p95LatencyMs": {"type": ["integer", "null"], "description": "Upper bound of the histogram bucket holding the 95th percentile"},
          "reconciliation": {"type": "object", "properties": {"purchasesReceived": {"type": "integer"},
              "purchasesAccepted": {"type": "object", "additionalProperties": {"type": "integer"}}}},
          "consentSkipped": {"type": "object", "additionalProperties": {"type": "integer"}},
          "googleRequests": {"type": "object", "description": "Google Data Manager requests and their asynchronous "
                             "outcome (requestStatus): a 200 from events:ingest only says the request was received",
              "properties": {"sent": {"type": "integer"}, "pending": {"type": "integer"},
                  "acceptedEvents": {"type": "integer"}, "failedEvents": {"type": "integer"},
                  "failedByReason": {"type": "object", "additionalProperties": {"type": "integer"},
                                     "description": "Google's ProcessingErrorReason without its prefix (INVALID_GCLID, ...)"}}},
          "activeConfigs": {"type": "integer"},
          "matchQuality": {"type": "object", "description": "The product's estimate (0-10) per platform and event type",
              "additionalProperties": {"type": "object", "additionalProperties": {"type": "object",
                  "properties": {"score": {"type": "number"}, "events": {"type": "integer"}}}}},
          "metaEventMatchQuality": {"type": "array", "description": "Meta's own score per event name (cached an hour); null when the token may not read it",
              "items": {"type": "object", "properties": {"configId": {"type": "string"}, "pixelId": {"type": "string"},
                  "eventMatchQuality": {"type": ["object", "null"], "additionalProperties": {"type": "number"}}}}},
          "filtered": {"type": "object", "description": "Events the edge did not produce because the request was junk, per reason (tenant-wide)",
              "properties": {r: {"type": "integer"} for r in ["crawler", "headless", "prefetch", "head", "too_fast"]}},
          "daily": {"type": "array", "description": "One entry per UTC day of the window, oldest first: accepted deliveries, failed attempts (retried or dead-lettered), junk filtered (tenant-wide)",
              "items": {"type": "object", "required": ["date", "sent", "failed", "filtered"], "properties": {
                  "date": {"type": "string", "format": "date"}, "sent": {"type": "integer"},
                  "failed": {"type": "integer"}, "filtered": {"type": "integer"}}}},
          "matchHints": {"type": "object", "description": "Per platform, up to three missing match keys ranked by what they would add (weight x share of events lacking them)",
              "additionalProperties": {"type": "array", "items": {"type": "object", "properties": {
                  "key": {"type": "string"}, "missingShare": {"type": "number"},
                  "weight": {"type": "integer"}, "events": {"type": "integer"}}}}}}},
  "LogEntry": {"type": "object", "required": ["id", "timestamp", "eventName", "status", "responseCode", "payload", "latencyMs", "attempt"],
      "properties": {"id": {"type": "string"}, "timestamp": TS, "eventName": {"type": "string"},
          "status": {"type": "string", "enum": ["success", "retry", "failed", "dead_letter", "cancelled", "test", "pending"],
                     "description": "pending: a Google Data Manager request (eventName GOOGLE_REQUEST) waiting for "
                                    "its outcome; its later entry says accepted N / failed M by reason"},
          "responseCode": {"type": ["integer", "null"]}, "errorMessage": {"type": ["string", "null"]},
          "payload": {"description": "What was sent: hashed fields only, never the token"},
          "latencyMs": {"type": "integer"}, "attempt": {"type": "integer"}}},
  "DeadLetter": {"type": "object", "required": ["id", "eventId", "eventName", "attempt", "deadAt", "reason"],
      "properties": {"id": {"type": "string"}, "eventId": {"type": "string"}, "eventName": EVENT,
          "attempt": {"type": "integer"}, "firstEnqueuedAt": TS, "deadAt": TS, "reason": {"type": "string"},
          "responseCode": {"type": ["integer", "null"]}}},
}

# One create body per platform. Each works as it stands against the mock platforms (any token not
# beginning with `invalid` is accepted); the googleConnection one needs the id a Conectar con
# Google flow left (the end-to-end test makes one). Checked by tests/e2e/google_connect.rs.
CREATE_EXAMPLES = {
  "meta": {"summary": "Meta pixel", "value": {"platform": "Meta", "pixelId": "1234567890123",
      "apiAccessToken": "EAAB-example-token", "trackedEvents": ["LEAD", "PURCHASE"],
      "eventMappings": {"lead.registrado": "LEAD", "cliente.pago_exitoso": "PURCHASE"}}},
  "tiktok": {"summary": "TikTok pixel", "value": {"platform": "TikTok", "pixelId": "CABC123DEF456GHI789J0",
      "apiAccessToken": "tiktok-example-token", "trackedEvents": ["LEAD", "PURCHASE"]}},
  "google": {"summary": "Google Ads, connected with Conectar con Google",
      "description": "googleConnection comes from GET /api/v1/marketing/oauth/google/start and Google's consent screen",
      "value": {"platform": "Google", "customerId": "1234567890",
                "googleConnection": "0123456789abcdef0123456789abcdef",
                "conversionActions": {"PURCHASE": "987654321", "LEAD": "987654322"}}},
  "googleLegacyRefreshToken": {"summary": "Google Ads with a pasted refresh token (legacy API users)",
      "value": {"platform": "Google", "customerId": "1234567890", "refreshToken": "1//example-refresh-token",
                "conversionActions": {"PURCHASE": "987654321"}}},
}

def op(summary, responses, params=(), body=None, op_id=None):
    o = {"summary": summary, "operationId": op_id, "security": [{"bearer": []}],
         "parameters": list(params) + [TENANT], "responses": {**responses, **COMMON}}
    if body:
        o["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
        o["responses"].update(BODY_ERRORS)
    return o

paths = {
  "/api/v1/marketing/tracking-configs": {
    "get": op("List the tenant's tracking configs", {"200": ok("The configs", {"type": "array", "items": ref("TrackingConfig")})}, op_id="listConfigs"),
    "post": op("Connect a pixel or ad account; the credentials are checked with the platform first",
               {"201": ok("Created", ref("TrackingConfig")), "409": err("The tenant already has this platform + pixel"),
                "422": err("The platform rejected the credentials; its message is in error.message"),
                "502": err("The platform could not be reached; nothing was stored")},
               body="ConfigCreate", op_id="createConfig")
            | {"requestBody": {"required": True, "content": {"application/json": {
                "schema": ref("ConfigCreate"), "examples": CREATE_EXAMPLES}}}}},
  "/api/v1/marketing/oauth/google/start": {
    "get": op("Conectar con Google: the consent URL to send the trainer's browser to. The state in it is signed, "
              "bound to the tenant, the user and this browser (an HttpOnly cookie set here), single-use and valid 10 minutes",
              {"200": ok("Where to send the browser", {"type": "object", "required": ["authUrl", "expiresAt"],
                  "properties": {"authUrl": {"type": "string", "format": "uri"}, "expiresAt": TS}}),
               "400": err("googleApi is neither dataManager nor adsApi, or configId is malformed or not a Google config"),
               "404": err("configId names no tracking config of this tenant"),
               "409": err("No OAuth client is configured (google_client_id is empty)")},
              params=[{"name": "googleApi", "in": "query", "required": False,
                       "description": "adsApi also asks for the Google Ads API scope (allowlisted accounts only)",
                       "schema": {"type": "string", "enum": ["dataManager", "adsApi"], "default": "dataManager"}},
                      {"name": "configId", "in": "query", "required": False,
                       "description": "Reconnect this Google config (a revoked grant): the callback sends the browser back "
                                      "with &reconnect=<configId>, and the dashboard PATCHes the config with the new connection",
                       "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}}],
              op_id="startGoogleConnection")},
  "/api/v1/marketing/oauth/google/callback": {
    "get": {"summary": "Where Google's consent screen sends the browser back (public: the signed, single-use state "
                       "authenticates it). Exchanges the code and keeps the refresh token, encrypted, as a pending "
                       "connection for one hour",
            "operationId": "googleConnectionCallback", "security": [],
            "parameters": [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                           for n in ["state", "code", "error"]],
            "responses": {
              "303": {"description": "Connected: Location is /dashboard/marketing/pixels/?googleConnection=<id> (plus &googleApi=adsApi and &reconnect=<configId> when the flow asked for them)"},
              "400": {"description": "Spanish HTML error page: state missing, malformed, forged, expired, used or "
                                     "started in another browser, or consent denied; nothing stored",
                      "content": {"text/html": {"schema": {"type": "string"}}}},
              "502": {"description": "Spanish HTML error page: Google refused or did not answer the code exchange; nothing stored",
                      "content": {"text/html": {"schema": {"type": "string"}}}}}}},
  "/api/v1/marketing/tracking-configs/{configId}": {
    "patch": op("Change a config: pause/resume, replace the token (re-checked), events, mappings",
                {"200": ok("Updated", ref("TrackingConfig")), "404": err("Unknown config"),
                 "409": err("Changed concurrently; retry"), "422": err("The platform rejected the new credentials"),
                 "502": err("The platform could not be reached")},
                params=[CONFIG_ID], body="ConfigPatch", op_id="patchConfig"),
    "delete": op("Delete a config; its pending deliveries are cancelled",
                 {"204": {"description": "Deleted"}, "404": err("Unknown config")}, params=[CONFIG_ID], op_id="deleteConfig")},
  "/api/v1/marketing/tracking-configs/{configId}/logs": {
    "get": op("The config's delivery log, newest first",
              {"200": ok("Entries", {"type": "array", "items": ref("LogEntry")}), "400": err("limit is not 1-500"),
               "404": err("Unknown config")}, params=[CONFIG_ID, LIMIT], op_id="listLogs")},
  "/api/v1/marketing/tracking-configs/{configId}/dead-letters": {
    "get": op("Events that can never be delivered as sent, newest first",
              {"200": ok("Dead letters", {"type": "array", "items": ref("DeadLetter")}), "400": err("limit is not 1-500"),
               "404": err("Unknown config")}, params=[CONFIG_ID, LIMIT], op_id="listDeadLetters")},
  "/api/v1/marketing/tracking-configs/{configId}/dead-letters/replay": {
    "post": op("Queue every dead letter of the config again",
               {"200": ok("How many were queued", {"type": "object", "required": ["replayed"], "properties": {"replayed": {"type": "integer"}}}),
                "404": err("Unknown config")}, params=[CONFIG_ID], op_id="replayDeadLetters")},
  "/api/v1/marketing/tracking-configs/{configId}/test": {
    "post": op("Send one test event now (Meta/TikTok with testEventCode, Google validateOnly) and answer the platform's verdict",
               {"200": ok("The platform answered", ref("TestResult")), "404": err("Unknown config"),
                "422": err("The config tracks no event a test can be sent as"),
                "502": err("The platform could not be reached")}, params=[CONFIG_ID], op_id="sendTestEvent")},
  "/api/v1/marketing/tracking-stats": {
    "get": op("Delivery KPIs of the tenant, or of one config",
              {"200": ok("The KPIs", ref("TrackingStats")), "400": err("days is not 1-90"), "404": err("Unknown config")},
              params=[{"name": "days", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 90, "default": 7}},
                      {"name": "configId", "in": "query", "required": False, "schema": {"type": "string"}}],
              op_id="trackingStats")},
  "/api/v1/marketing/alerts": {
    "get": op("Open alerts of the tenant's configs and sites, as the dispatcher's evaluation stored them: "
              "each was raised once on a change of state and leaves the list by itself when its cause is gone "
              "(both announced by the signed alerts webhook, README \"Alerts\")",
              {"200": ok("The open alerts", {"type": "object", "required": ["alerts"], "properties": {"alerts": {
                  "type": "array", "items": ref("Alert")}}})},
              op_id="listAlerts")},
  "/api/v1/marketing/sites": {
    "get": op("List the tenant's sites", {"200": ok("The sites", {"type": "array", "items": ref("Site")})}, op_id="listSites")},
  "/api/v1/marketing/sites/{host}": {
    "get": op("One site", {"200": ok("The site", ref("Site")), "400": err("Invalid host"), "404": err("Unknown site")}, params=[HOST], op_id="getSite"),
    "put": op("Map a hostname to the tenant, with its origin, consent policy and path rules",
              {"200": ok("Updated", ref("Site")), "201": ok("Created", ref("Site")),
               "409": err("Another tenant has verified this host")}, params=[HOST], body="SitePut", op_id="putSite"),
    "delete": op("Unmap a hostname (a system_admin may release any tenant's host)",
                 {"204": {"description": "Deleted"}, "400": err("Invalid host"), "404": err("Unknown site")},
                 params=[HOST], op_id="deleteSite")},
  "/api/v1/marketing/sites/{host}/verify": {
    "post": op("Look the site's TXT record up (DNS-over-HTTPS) and mark the host verified",
               {"200": ok("Verified", ref("Site")), "400": err("Invalid host"), "404": err("Unknown site"),
                "422": err("No TXT record with the expected value; details has txtName, txtValue and what was found"),
                "502": err("The DNS resolver could not answer")}, params=[HOST], op_id="verifySite")},
  "/api/v1/marketing/token-keys/reencrypt": {
    "post": op("Re-encrypt every stored platform token under the current key (system_admin only); when "
               "remainingOnOldKeys is 0 the previous keys can be removed",
               {"200": ok("What the sweep did", {"type": "object", "required": ["currentKeyId", "reencrypted", "alreadyCurrent",
                    "remainingOnOldKeys", "failedConfigIds"], "properties": {
                    "currentKeyId": {"type": "string"}, "reencrypted": {"type": "integer"},
                    "alreadyCurrent": {"type": "integer"}, "remainingOnOldKeys": {"type": "integer"},
                    "failedConfigIds": {"type": "array", "items": {"type": "string"}}}})},
               op_id="reencryptTokens")},
  "/api/v1/marketing/dispatcher/tick": {
    "post": op("Drive the dispatcher once (outside schedulers); system_admin only",
               {"200": ok("What the tick did", ref("TickResult")), "202": ok("Accepted", ref("TickResult")),
                "400": err("aheadMs is not 0-604800000"), "502": err("The dispatcher did not answer")},
               params=[{"name": "aheadMs", "in": "query", "required": False,
                        "description": "Also send deliveries due within this many ms (a flush after an outage); the alerts are evaluated this far ahead",
                        "schema": {"type": "integer", "minimum": 0, "maximum": 604800000, "default": 0}}],
               op_id="tick")},
}

doc = {
  "openapi": "3.1.0",
  "info": {"title": "Pixel Manager & Conversions API", "version": "0.1.0",
           "description": "TrainerERP's server-side conversions for Meta, TikTok and Google Ads. "
                          "Errors are {\"error\":{\"code\",\"message\",\"details\"}}. Tokens are write-only."},
  "paths": paths,
  "components": {"schemas": schemas,
                 "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
}
out = pathlib.Path(__file__).resolve().parent.parent / "openapi.json"
out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {out}")
