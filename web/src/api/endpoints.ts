// One function per endpoint of issues 4 and 5. Paths are relative to API_BASE.
import type { AxiosInstance } from 'axios';
import type {
  Alert,
  CreateConfigBody,
  GoogleApi,
  DeadLetter,
  LogEntry,
  TestEventResult,
  TrackingConfig,
  TrackingStats,
  UpdateConfigBody,
} from './types';

const configs = '/tracking-configs';
const one = (id: string) => `${configs}/${encodeURIComponent(id)}`;

/** Some list endpoints may wrap the array (`{items: [...]}`); accept both. */
function list<T>(data: unknown, key: string): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === 'object') {
    const rec = data as Record<string, unknown>;
    for (const k of [key, 'items', 'data']) if (Array.isArray(rec[k])) return rec[k] as T[];
  }
  return [];
}

export const api = {
  listConfigs: async (http: AxiosInstance) => list<TrackingConfig>((await http.get(configs)).data, 'configs'),
  createConfig: async (http: AxiosInstance, body: CreateConfigBody) =>
    (await http.post<TrackingConfig>(configs, body)).data,
  updateConfig: async (http: AxiosInstance, id: string, body: UpdateConfigBody) =>
    (await http.patch<TrackingConfig>(one(id), body)).data,
  deleteConfig: async (http: AxiosInstance, id: string) => {
    await http.delete(one(id));
  },
  logs: async (http: AxiosInstance, id: string, limit = 50) =>
    list<LogEntry>((await http.get(`${one(id)}/logs`, { params: { limit } })).data, 'logs'),
  sendTest: async (http: AxiosInstance, id: string) => (await http.post<TestEventResult>(`${one(id)}/test`)).data,
  deadLetters: async (http: AxiosInstance, id: string) =>
    list<DeadLetter>((await http.get(`${one(id)}/dead-letters`)).data, 'deadLetters'),
  /** Replays every dead letter of the config (the API takes no selection). */
  replayDeadLetters: async (http: AxiosInstance, id: string) =>
    (await http.post<{ replayed?: number }>(`${one(id)}/dead-letters/replay`)).data,
  /** "Conectar con Google": the consent URL to send the browser to (it comes back with `?googleConnection=`). */
  startGoogleConnection: async (http: AxiosInstance, googleApi: GoogleApi = 'dataManager') =>
    (await http.get<{ authUrl: string; expiresAt?: string }>('/oauth/google/start', { params: { googleApi } })).data,
  /** "Reconectar con Google" for an existing config (its own API decides the scope); it comes back with `&reconnect=`. */
  startGoogleReconnection: async (http: AxiosInstance, configId: string) =>
    (await http.get<{ authUrl: string; expiresAt?: string }>('/oauth/google/start', { params: { configId } })).data,
  alerts: async (http: AxiosInstance) => list<Alert>((await http.get('/alerts')).data, 'alerts'),
  stats: async (http: AxiosInstance, days = 7, configId?: string) =>
    (await http.get<TrackingStats>('/tracking-stats', { params: configId ? { days, configId } : { days } })).data,
};
