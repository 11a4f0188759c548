// The axios instance every call goes through: same origin, bearer token, one place for 401.
import axios, { isAxiosError, type AxiosInstance } from 'axios';

export const API_BASE = '/api/v1/marketing';

export interface ClientOptions {
  token: string;
  /** Called once per 401 answer: the page switches to its "sesión caducada" state. */
  onUnauthorized?: () => void;
}

export function createApiClient({ token, onUnauthorized }: ClientOptions): AxiosInstance {
  const client = axios.create({
    baseURL: API_BASE,
    timeout: 30_000,
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  client.interceptors.response.use(undefined, (error: unknown) => {
    if (isAxiosError(error) && error.response?.status === 401) onUnauthorized?.();
    return Promise.reject(error);
  });
  return client;
}

/** The contract's error body: `{"error":{"code","message","details"}}`. */
export interface ApiError {
  status: number | null;
  code: string;
  message: string;
  /** Field name → message, flattened from whatever shape `details` had. */
  fields: Record<string, string>;
  /** A platform's refusal (422): which platform and its own words, untranslated. */
  platform?: { name: string; message: string };
}

export function toApiError(error: unknown): ApiError {
  // isAxiosError, not instanceof: a second copy of axios (CJS next to ESM) must still count.
  if (isAxiosError(error)) {
    const status = error.response?.status ?? null;
    const body = error.response?.data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
    const e = body && typeof body === 'object' ? body.error : undefined;
    return {
      status,
      code: typeof e?.code === 'string' ? e.code : status === null ? 'network' : `http_${status}`,
      message: typeof e?.message === 'string' ? e.message : '',
      fields: status === 422 ? {} : fieldErrors(e?.details),
      platform: platformRefusal(e?.details),
    };
  }
  return { status: null, code: 'unknown', message: '', fields: {} };
}

/** `details: {platform, platformMessage}` of a platform's refusal, if that is what it is. */
function platformRefusal(details: unknown): ApiError['platform'] {
  if (!details || typeof details !== 'object') return undefined;
  const d = details as { platform?: unknown; platformMessage?: unknown };
  return typeof d.platform === 'string' && typeof d.platformMessage === 'string' && d.platformMessage
    ? { name: d.platform, message: d.platformMessage }
    : undefined;
}

/**
 * Field-level details may come as `{field: message}`, `{field: [messages]}`,
 * `[{field, message}]` or `[{path, message}]`: accept them all.
 */
function fieldErrors(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(details)) {
    for (const item of details) {
      if (!item || typeof item !== 'object') continue;
      const rec = item as Record<string, unknown>;
      const field = rec.field ?? rec.path ?? rec.name;
      const message = rec.message ?? rec.reason ?? rec.error;
      if (typeof field === 'string' && typeof message === 'string') out[field] = message;
    }
  } else if (details && typeof details === 'object') {
    const rec = details as Record<string, unknown>;
    if (rec.fields && typeof rec.fields === 'object') return fieldErrors(rec.fields);
    for (const [field, value] of Object.entries(rec)) {
      if (typeof value === 'string') out[field] = value;
      else if (Array.isArray(value) && typeof value[0] === 'string') out[field] = value[0];
      else if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string')
        out[field] = (value as { message: string }).message;
    }
  }
  return out;
}
