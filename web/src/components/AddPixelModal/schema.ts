// The form's values, its yup rules per step, and the translation to and from the API's bodies.
import * as yup from 'yup';
import {
  DEFAULT_EVENT_MAPPINGS,
  type CreateConfigBody,
  type Platform,
  type StandardEvent,
  type TrackingConfig,
  type UpdateConfigBody,
} from '../../api/types';
import { S } from '../../strings';

export type Mode = 'create' | 'edit';
export type StepId = 'platform' | 'credentials' | 'events' | 'review';

export const STEPS: Record<Mode, StepId[]> = {
  create: ['platform', 'credentials', 'events', 'review'],
  edit: ['credentials', 'events', 'review'],
};

export interface MappingRow {
  send: boolean;
  event: StandardEvent;
}

export interface PixelFormValues {
  platform: Platform | '';
  /** Meta pixel id, TikTok pixel code or Google customer id. */
  pixelId: string;
  /** Meta/TikTok access token; Google OAuth refresh token. */
  token: string;
  loginCustomerId: string;
  testEventCode: string;
  /** Google: conversion action id per standard event. */
  conversionActions: Partial<Record<StandardEvent, string>>;
  /** TrainerERP event → whether to send it, and as which standard event. */
  mappings: Record<string, MappingRow>;
  /** The edge also injects the platform's browser pixel (off by default: a site's own pixel would double count). */
  browserPixel: boolean;
  /** Google, with the browser pixel: the Google tag id (AW-123456789). */
  googleTagId: string;
  /** Google, with the browser pixel: the gtag conversion label per standard event. */
  conversionLabels: Partial<Record<StandardEvent, string>>;
  /** Google, create: the pending connection "Conectar con Google" came back with. */
  googleConnection: string;
  /** Google, create: upload through the Google Ads API instead of Data Manager (allowlisted accounts only). */
  googleAdsApi: boolean;
}

export const TRAINER_EVENTS = Object.keys(DEFAULT_EVENT_MAPPINGS);

export function emptyValues(): PixelFormValues {
  return {
    platform: '',
    pixelId: '',
    token: '',
    loginCustomerId: '',
    testEventCode: '',
    conversionActions: {},
    mappings: Object.fromEntries(
      Object.entries(DEFAULT_EVENT_MAPPINGS).map(([trainer, event]) => [trainer, { send: true, event }]),
    ),
    browserPixel: false,
    googleTagId: '',
    conversionLabels: {},
    googleConnection: '',
    googleAdsApi: false,
  };
}

export function valuesFromConfig(config: TrackingConfig): PixelFormValues {
  const base = emptyValues();
  const mapped = config.eventMappings ?? {};
  const mappings: Record<string, MappingRow> = {};
  for (const trainer of new Set([...TRAINER_EVENTS, ...Object.keys(mapped)])) {
    const event = mapped[trainer] ?? DEFAULT_EVENT_MAPPINGS[trainer] ?? 'PAGE_VIEW';
    mappings[trainer] = { send: trainer in mapped && config.trackedEvents.includes(event), event };
  }
  return {
    ...base,
    platform: config.platform,
    pixelId: config.platform === 'Google' ? formatCustomerId(config.pixelId) : config.pixelId,
    loginCustomerId: config.loginCustomerId ? formatCustomerId(config.loginCustomerId) : '',
    testEventCode: config.testEventCode ?? '',
    conversionActions: { ...(config.conversionActions ?? {}) },
    mappings,
    browserPixel: config.browserPixel ?? false,
    googleTagId: config.googleTagId ?? '',
    conversionLabels: { ...(config.conversionLabels ?? {}) },
  };
}

/** The standard events the user chose to send (unique, in mapping order). */
export function selectedEvents(values: PixelFormValues): StandardEvent[] {
  const out: StandardEvent[] = [];
  for (const row of Object.values(values.mappings)) if (row.send && !out.includes(row.event)) out.push(row.event);
  return out;
}

const digitsOnly = (s: string) => s.replace(/\D/g, '');
const formatCustomerId = (s: string) => {
  const d = digitsOnly(s);
  return d.length === 10 ? `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}` : s;
};

export const META_PIXEL_ID = /^\d{10,20}$/;
export const TIKTOK_PIXEL_CODE = /^[A-Z0-9]{12,32}$/;
export const GOOGLE_CUSTOMER_ID = /^(\d{3}-\d{3}-\d{4}|\d{10})$/;
export const GOOGLE_TAG_ID = /^AW-\d{6,12}$/;
export const CONVERSION_LABEL = /^[A-Za-z0-9_-]{1,64}$/;
const V = S.modal.validation;

// No yup default (English) message may reach the user.
yup.setLocale({
  mixed: { default: V.invalid, required: V.required, oneOf: V.required, notType: V.invalid },
  string: { max: V.tooLong, matches: V.invalid },
});

function tokenRule(mode: Mode) {
  const base = yup
    .string()
    .trim()
    .test('no-spaces', V.tokenWhitespace, (v) => !v || !/\s/.test(v));
  return mode === 'create' ? base.required(V.required) : base;
}

/** Google's browser tag: checked only while the switch is on, since the fields are hidden otherwise. */
function googleTagRules(browserPixel: boolean): yup.ObjectShape {
  if (!browserPixel) return {};
  return {
    googleTagId: yup
      .string()
      .trim()
      .required(V.googleTagIdRequired)
      .test('tag', V.googleTagId, (v) => !v || GOOGLE_TAG_ID.test(v)),
    conversionLabels: yup.lazy((obj: Record<string, string> | undefined) =>
      yup.object(
        Object.fromEntries(
          Object.keys(obj ?? {}).map((k) => [
            k,
            yup
              .string()
              .trim()
              .test('label', V.conversionLabel, (v) => !v || CONVERSION_LABEL.test(v)),
          ]),
        ),
      ),
    ),
  };
}

function credentialsSchema(mode: Mode, platform: Platform | '', browserPixel: boolean) {
  const common = { token: tokenRule(mode), testEventCode: yup.string().trim().max(64) };
  switch (platform) {
    case 'Meta':
      return yup.object({
        ...common,
        pixelId: yup.string().trim().required(V.required).matches(META_PIXEL_ID, V.metaPixelId),
      });
    case 'TikTok':
      return yup.object({
        ...common,
        pixelId: yup
          .string()
          .trim()
          .required(V.required)
          .test('code', V.tiktokPixelCode, (v) => !v || TIKTOK_PIXEL_CODE.test(v.toUpperCase())),
      });
    case 'Google':
      return yup.object({
        // A new Google config is connected through Google's consent screen, never a pasted token.
        ...(mode === 'create'
          ? { googleConnection: yup.string().required(V.googleConnectionRequired) }
          : { token: tokenRule(mode) }),
        pixelId: yup.string().trim().required(V.required).matches(GOOGLE_CUSTOMER_ID, V.googleCustomerId),
        loginCustomerId: yup
          .string()
          .trim()
          .test('cid', V.googleCustomerId, (v) => !v || GOOGLE_CUSTOMER_ID.test(v)),
        conversionActions: yup.lazy((obj: Record<string, string> | undefined) =>
          yup
            .object(
              Object.fromEntries(
                Object.keys(obj ?? {}).map((k) => [
                  k,
                  yup
                    .string()
                    .trim()
                    .test('digits', V.conversionActionId, (v) => !v || /^\d{1,20}$/.test(v)),
                ]),
              ),
            )
            // Google uploads need an action per event: with none, nothing could be sent.
            .test('one', V.conversionActionRequired, (o) =>
              Object.values((o ?? {}) as Record<string, string | undefined>).some((v) => !!v?.trim()),
            ),
        ),
        ...googleTagRules(browserPixel),
      });
    default:
      return yup.object({});
  }
}

export function schemaFor(step: StepId, mode: Mode, platform: Platform | '', browserPixel = false) {
  switch (step) {
    case 'platform':
      return yup.object({ platform: yup.string().required(V.required).oneOf(['Meta', 'Google', 'TikTok'], V.required) });
    case 'credentials':
      return credentialsSchema(mode, platform, browserPixel);
    case 'events':
      return yup.object({
        mappings: yup
          .object()
          .test('some', V.noEvents, (m) => Object.values((m ?? {}) as Record<string, MappingRow>).some((r) => r.send)),
      });
    case 'review':
      return yup.object({});
  }
}

/** For Google, an event is sent only when it has a conversion action. */
export function trackedFor(values: PixelFormValues): StandardEvent[] {
  const events = selectedEvents(values);
  if (values.platform !== 'Google') return events;
  return events.filter((e) => (values.conversionActions[e] ?? '').trim() !== '');
}

function mappingsFor(values: PixelFormValues): Record<string, StandardEvent> {
  const tracked = trackedFor(values);
  return Object.fromEntries(
    Object.entries(values.mappings)
      .filter(([, row]) => row.send && tracked.includes(row.event))
      .map(([trainer, row]) => [trainer, row.event]),
  );
}

function actionsFor(values: PixelFormValues): Partial<Record<StandardEvent, string>> {
  const out: Partial<Record<StandardEvent, string>> = {};
  for (const e of trackedFor(values)) out[e] = (values.conversionActions[e] ?? '').trim();
  return out;
}

/** The labels of the tracked events that have one: a label for an untracked event would be unused. */
function labelsFor(values: PixelFormValues): Partial<Record<StandardEvent, string>> {
  const out: Partial<Record<StandardEvent, string>> = {};
  for (const e of trackedFor(values)) {
    const label = (values.conversionLabels[e] ?? '').trim();
    if (label) out[e] = label;
  }
  return out;
}

export function toCreateBody(values: PixelFormValues): CreateConfigBody {
  const platform = values.platform as Platform;
  const body: CreateConfigBody = {
    platform,
    pixelId: platform === 'Google' ? digitsOnly(values.pixelId) : platform === 'TikTok' ? values.pixelId.trim().toUpperCase() : values.pixelId.trim(),
    trackedEvents: trackedFor(values),
    eventMappings: mappingsFor(values),
    browserPixel: values.browserPixel,
  };
  if (platform === 'Google' && values.googleConnection) body.googleConnection = values.googleConnection;
  else body.apiAccessToken = values.token.trim();
  if (platform === 'Google') {
    // Data Manager is the server's default; the Ads API only when explicitly chosen.
    if (values.googleAdsApi) body.googleApi = 'adsApi';
    body.conversionActions = actionsFor(values);
    if (values.loginCustomerId.trim()) body.loginCustomerId = digitsOnly(values.loginCustomerId);
    // The tag fields are shown only with the browser pixel on; hidden values are not sent.
    if (values.browserPixel) {
      body.googleTagId = values.googleTagId.trim();
      const labels = labelsFor(values);
      if (Object.keys(labels).length > 0) body.conversionLabels = labels;
    }
  } else if (values.testEventCode.trim()) {
    body.testEventCode = values.testEventCode.trim();
  }
  return body;
}

/** Only what changed: the token when a new one was typed, the events always (cheap, idempotent). */
export function toUpdateBody(values: PixelFormValues, initial: PixelFormValues): UpdateConfigBody {
  const body: UpdateConfigBody = { trackedEvents: trackedFor(values), eventMappings: mappingsFor(values) };
  if (values.token.trim()) body.apiAccessToken = values.token.trim();
  if (values.browserPixel !== initial.browserPixel) body.browserPixel = values.browserPixel;
  if (values.platform === 'Google') {
    const actions = actionsFor(values);
    if (JSON.stringify(actions) !== JSON.stringify(actionsFor(initial))) body.conversionActions = actions;
    if (values.loginCustomerId.trim() !== initial.loginCustomerId.trim())
      body.loginCustomerId = digitsOnly(values.loginCustomerId);
    // Switched off, the stored tag and labels stay for the next time it is switched on.
    if (values.browserPixel) {
      if (values.googleTagId.trim() !== initial.googleTagId.trim()) body.googleTagId = values.googleTagId.trim();
      const labels = labelsFor(values);
      if (JSON.stringify(labels) !== JSON.stringify(labelsFor(initial))) body.conversionLabels = labels;
    }
  } else if (values.testEventCode.trim() !== initial.testEventCode.trim()) {
    body.testEventCode = values.testEventCode.trim();
  }
  return body;
}

/** API field names (issue 4) → the form's field and the step it lives on. */
export function formFieldFor(apiField: string): { field: string; step: StepId } {
  const f = apiField.replace(/^body\./, '');
  if (f === 'platform') return { field: 'platform', step: 'platform' };
  if (f === 'pixelId' || f === 'customerId') return { field: 'pixelId', step: 'credentials' };
  if (f === 'apiAccessToken' || f === 'refreshToken' || f === 'oauthRefreshToken') return { field: 'token', step: 'credentials' };
  if (f === 'googleConnection') return { field: 'googleConnection', step: 'credentials' };
  if (f === 'googleApi') return { field: 'googleAdsApi', step: 'credentials' };
  if (f === 'loginCustomerId') return { field: 'loginCustomerId', step: 'credentials' };
  if (f === 'testEventCode') return { field: 'testEventCode', step: 'credentials' };
  if (f === 'browserPixel') return { field: 'browserPixel', step: 'credentials' };
  if (f === 'googleTagId') return { field: 'googleTagId', step: 'credentials' };
  if (f.startsWith('conversionLabels')) {
    const key = f.split(/[.[\]]/).filter(Boolean)[1];
    return { field: key ? `conversionLabels.${key}` : 'conversionLabels', step: 'credentials' };
  }
  if (f.startsWith('conversionActions')) {
    const key = f.split(/[.[\]]/).filter(Boolean)[1];
    return { field: key ? `conversionActions.${key}` : 'conversionActions', step: 'credentials' };
  }
  return { field: 'mappings', step: 'events' };
}
