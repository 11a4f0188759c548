// react-query over the tracking-configs endpoints: the list, and the mutations the
// dashboard needs, each keeping the cached list right (optimistic toggle, invalidation).
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useApi } from '../api/ApiContext';
import { api } from '../api/endpoints';
import type { CreateConfigBody, TrackingConfig, UpdateConfigBody } from '../api/types';

export const CONFIGS_KEY = ['tracking-configs'] as const;
export const STATS_KEY = ['tracking-stats'] as const;
export const ALERTS_KEY = ['alerts'] as const;

type Switches = Pick<TrackingConfig, 'isActive'> | Pick<TrackingConfig, 'browserPixel'>;

/** Puts a config as the API answered it into the cached list (before any refetch). */
export function replaceIn(qc: QueryClient, updated: TrackingConfig) {
  qc.setQueryData<TrackingConfig[]>(CONFIGS_KEY, (old) => {
    if (!old) return [updated];
    return old.some((c) => c.id === updated.id) ? old.map((c) => (c.id === updated.id ? updated : c)) : [...old, updated];
  });
}

export function usePixelConfigurations() {
  const http = useApi();
  const qc = useQueryClient();
  // Fire and forget: a slow list refetch must not hold back the mutation's own outcome
  // (the card's rollback message, the modal closing).
  const invalidate = () => {
    void qc.invalidateQueries({ queryKey: CONFIGS_KEY });
    void qc.invalidateQueries({ queryKey: STATS_KEY });
    // A new token re-evaluates the tenant's alerts on the server (a refused one clears).
    void qc.invalidateQueries({ queryKey: ALERTS_KEY });
  };

  const query = useQuery({ queryKey: CONFIGS_KEY, queryFn: () => api.listConfigs(http) });

  const add = useMutation({
    mutationFn: (body: CreateConfigBody) => api.createConfig(http, body),
    onSuccess: (created) => replaceIn(qc, created),
    onSettled: invalidate,
  });

  // The card's switches (sending on/off, browser pixel on/off): optimistic, rolled back on error.
  const status = useMutation({
    mutationFn: ({ id, change }: { id: string; change: Switches }) => api.updateConfig(http, id, change),
    onMutate: async ({ id, change }) => {
      // Stop a refetch in flight from overwriting the optimistic value.
      await qc.cancelQueries({ queryKey: CONFIGS_KEY });
      const previous = qc.getQueryData<TrackingConfig[]>(CONFIGS_KEY);
      qc.setQueryData<TrackingConfig[]>(CONFIGS_KEY, (old) => old?.map((c) => (c.id === id ? { ...c, ...change } : c)));
      return { previous };
    },
    onError: (_error, _vars, context) => {
      if (context?.previous) qc.setQueryData(CONFIGS_KEY, context.previous);
    },
    onSuccess: (updated) => {
      if (updated && typeof updated === 'object' && 'id' in updated) replaceIn(qc, updated);
    },
    onSettled: invalidate,
  });

  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateConfigBody }) => api.updateConfig(http, id, body),
    onSuccess: (updated) => replaceIn(qc, updated),
    onSettled: invalidate,
  });

  const remove = useMutation({
    mutationFn: (id: string) => api.deleteConfig(http, id),
    onSuccess: (_void, id) => {
      qc.setQueryData<TrackingConfig[]>(CONFIGS_KEY, (old) => old?.filter((c) => c.id !== id));
      qc.removeQueries({ queryKey: ['logs', id] });
    },
    onSettled: invalidate,
  });

  return {
    data: query.data,
    isLoading: query.isLoading,
    isError: query.isError,
    error: query.error,
    refetch: query.refetch,
    addPixel: (body: CreateConfigBody) => add.mutateAsync(body),
    updatePixelStatus: (id: string, isActive: boolean) => status.mutateAsync({ id, change: { isActive } }),
    updatePixelBrowserPixel: (id: string, browserPixel: boolean) => status.mutateAsync({ id, change: { browserPixel } }),
    updatePixel: (id: string, body: UpdateConfigBody) => update.mutateAsync({ id, body }),
    deletePixel: (id: string) => remove.mutateAsync(id),
  };
}

export type PixelConfigurations = ReturnType<typeof usePixelConfigurations>;
