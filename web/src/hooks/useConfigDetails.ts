// Per-config reads and actions: logs, dead letters, test event, KPIs.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../api/ApiContext';
import { api } from '../api/endpoints';
import { ALERTS_KEY, STATS_KEY } from './usePixelConfigurations';

export function useLogs(configId: string, limit = 50) {
  const http = useApi();
  return useQuery({ queryKey: ['logs', configId, limit], queryFn: () => api.logs(http, configId, limit) });
}

export function useDeadLetters(configId: string) {
  const http = useApi();
  const qc = useQueryClient();
  const query = useQuery({ queryKey: ['dead-letters', configId], queryFn: () => api.deadLetters(http, configId) });
  const replay = useMutation({
    mutationFn: () => api.replayDeadLetters(http, configId),
    onSettled: () =>
      Promise.all([
        qc.invalidateQueries({ queryKey: ['dead-letters', configId] }),
        qc.invalidateQueries({ queryKey: ['logs', configId] }),
        qc.invalidateQueries({ queryKey: STATS_KEY }),
      ]),
  });
  return { ...query, replay };
}

export function useSendTestEvent(configId: string) {
  const http = useApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.sendTest(http, configId),
    onSettled: () => qc.invalidateQueries({ queryKey: ['logs', configId] }),
  });
}

export function useTrackingStats(days = 7, configId?: string) {
  const http = useApi();
  return useQuery({
    queryKey: [...STATS_KEY, days, configId ?? null],
    queryFn: () => api.stats(http, days, configId),
  });
}

/** The open alerts, refreshed every minute: they clear by themselves when their cause does. */
export function useAlerts() {
  const http = useApi();
  return useQuery({ queryKey: ALERTS_KEY, queryFn: () => api.alerts(http), refetchInterval: 60_000 });
}
