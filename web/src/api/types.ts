// The config API's shapes (issue 4 and issue 5): field names exactly as the contract writes them.

export type Platform = 'Meta' | 'Google' | 'TikTok';

export const PLATFORMS: readonly Platform[] = ['Meta', 'Google', 'TikTok'];

/** Which Google API a Google config uploads through: Data Manager by default, the Ads API only when chosen. */
export type GoogleApi = 'dataManager' | 'adsApi';

export type StandardEvent =
  | 'PAGE_VIEW'
  | 'VIEW_CONTENT'
  | 'LEAD'
  | 'SCHEDULE'
  | 'INITIATE_CHECKOUT'
  | 'PURCHASE'
  | 'SUBSCRIBE'
  | 'COMPLETE_REGISTRATION'
  | 'START_TRIAL'
  | 'CONTACT'
  | 'ADD_TO_CART'
  | 'ADD_PAYMENT_INFO'
  | 'SEARCH'
  | 'SUBMIT_APPLICATION';

export const STANDARD_EVENTS: readonly StandardEvent[] = [
  'PAGE_VIEW',
  'VIEW_CONTENT',
  'LEAD',
  'SCHEDULE',
  'INITIATE_CHECKOUT',
  'PURCHASE',
  'SUBSCRIBE',
  'COMPLETE_REGISTRATION',
  'START_TRIAL',
  'CONTACT',
  'ADD_TO_CART',
  'ADD_PAYMENT_INFO',
  'SEARCH',
  'SUBMIT_APPLICATION',
];

/** TrainerERP's own event names and the standard event each one maps to by default. */
export const DEFAULT_EVENT_MAPPINGS: Readonly<Record<string, StandardEvent>> = {
  'cliente.pago_exitoso': 'PURCHASE',
  'lead.registrado': 'LEAD',
  'cita.agendada': 'SCHEDULE',
  'checkout.iniciado': 'INITIATE_CHECKOUT',
  'suscripcion.renovada': 'SUBSCRIBE',
  'pagina.vista': 'PAGE_VIEW',
  'contenido.visto': 'VIEW_CONTENT',
};

export type HealthStatus = 'ok' | 'credentials_invalid' | 'unverified';

export interface Health {
  status: HealthStatus;
  lastError?: string | null;
  checkedAt?: string | null;
}

export interface LastEvent {
  time: string;
  status: string;
}

export interface TrackingConfig {
  id: string;
  platform: Platform;
  pixelId: string;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
  trackedEvents: StandardEvent[];
  eventMappings: Record<string, StandardEvent>;
  /** Issue 4 says "health says whether the credentials work and the last platform error"; a bare string is accepted too. */
  health: Health | HealthStatus;
  lastEvent: LastEvent | null;
  testEventCode?: string | null;
  loginCustomerId?: string | null;
  conversionActions?: Partial<Record<StandardEvent, string>> | null;
  /** The edge also injects this platform's browser pixel, with the server event's id (off by default). */
  browserPixel: boolean;
  /** Google only: the Google tag the browser pixel loads (`AW-123456789`), null until set. */
  googleTagId?: string | null;
  /** Google only: the gtag conversion label per standard event. */
  conversionLabels?: Partial<Record<StandardEvent, string>> | null;
  /** Google only: the API it uploads through (absent on servers that predate the field). */
  googleApi?: GoogleApi | null;
}

export interface CreateConfigBody {
  platform: Platform;
  pixelId: string;
  /** Meta/TikTok token; Google's legacy pasted refresh token. */
  apiAccessToken?: string;
  /** Google: the pending connection made with "Conectar con Google", instead of a token. */
  googleConnection?: string;
  /** Google: the API to upload through; the server's default is dataManager. */
  googleApi?: GoogleApi;
  trackedEvents?: StandardEvent[];
  eventMappings?: Record<string, StandardEvent>;
  testEventCode?: string;
  loginCustomerId?: string;
  conversionActions?: Partial<Record<StandardEvent, string>>;
  browserPixel?: boolean;
  /** Google only; null clears it. */
  googleTagId?: string | null;
  /** Google only; null removes every label. */
  conversionLabels?: Partial<Record<StandardEvent, string>> | null;
}

export type UpdateConfigBody = Partial<
  Pick<
    CreateConfigBody,
    | 'apiAccessToken'
    | 'trackedEvents'
    | 'eventMappings'
    | 'testEventCode'
    | 'loginCustomerId'
    | 'conversionActions'
    | 'browserPixel'
    | 'googleTagId'
    | 'conversionLabels'
  >
> & { isActive?: boolean; googleConnection?: string };

export interface LogEntry {
  id: string;
  timestamp: string;
  eventName: string;
  status: string;
  responseCode: number | null;
  errorMessage?: string | null;
  payload: unknown;
  latencyMs: number | null;
  attempt: number;
}

export interface DeadLetter {
  id: string;
  eventId?: string;
  eventName?: string;
  attempt?: number;
  firstEnqueuedAt?: string;
  deadAt?: string;
  /** The platform's message, or why it was never sent (too old, invalid). */
  reason?: string;
  responseCode?: number | null;
}

/** `GET /tracking-stats`: issue 5 names the figures; the field names follow the API's camelCase. */
export interface TrackingStats {
  days?: number;
  eventsSent: number;
  successRate: number | null;
  eventsByType: Record<string, number>;
  avgLatencyMs: number | null;
  p95LatencyMs?: number | null;
  deadLettered?: number;
  activeConfigs: number;
  /** Estimated match quality per event type, 0-10 (Meta's own EMQ when available). */
  matchQuality?: Record<string, number> | number | null;
  /** Google Data Manager requests and what Google later said it did with their events. */
  googleRequests?: {
    sent: number;
    pending: number;
    acceptedEvents: number;
    failedEvents: number;
    failedByReason?: Record<string, number>;
  };
  /** One entry per UTC day of the window, oldest first (issue 15). */
  daily?: DayPoint[];
  /** Per platform, the missing match keys that would help most (issue 15). */
  matchHints?: Record<string, MatchHint[]>;
  /** Events the edge did not produce because the request was junk, per reason (issue 15). */
  filtered?: Record<string, number>;
}

export interface DayPoint {
  /** `YYYY-MM-DD`, UTC. */
  date: string;
  sent: number;
  failed: number;
  filtered: number;
}

export interface MatchHint {
  key: string;
  /** 0-1: the share of delivered events that lacked the key. */
  missingShare: number;
  weight: number;
  events: number;
}

/** `POST .../{configId}/test`: the platform's verdict on one test event. */
export interface TestEventResult {
  delivered: boolean;
  responseCode?: number | null;
  platformMessage?: string | null;
  payload?: unknown;
}

/** `GET /alerts`: an open alert, raised once and cleared by itself (issue 15). A config's alert
 * has `configId` and `platform`; a site's (`site_silent`) has `host`. */
export interface Alert {
  id: string;
  kind:
    | 'credentials_refused'
    | 'success_rate_low'
    | 'dead_letters_today'
    | 'google_request_failures'
    | 'site_silent'
    | string;
  configId?: string;
  platform?: string;
  host?: string;
  since?: number | null;
  count?: number | null;
}
