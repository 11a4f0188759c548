import { act, renderHook, waitFor } from '@testing-library/react';
import type { TrackingConfig } from '../api/types';
import { deferred, metaConfig, setup } from '../test/utils';
import { CONFIGS_KEY, usePixelConfigurations } from './usePixelConfigurations';

const CONFIGS = '/tracking-configs';

function mount(initial: TrackingConfig[]) {
  const h = setup();
  let served = initial;
  let hang = false;
  h.mock.onGet(CONFIGS).reply(() => (hang ? new Promise(() => {}) : [200, served]));
  const hook = renderHook(() => usePixelConfigurations(), { wrapper: h.wrapper });
  return {
    ...h,
    hook,
    serve: (next: TrackingConfig[]) => (served = next),
    /** Later list requests never answer: only the hook's own cache updates can change the list. */
    freezeServer: () => (hang = true),
  };
}

const cached = (qc: ReturnType<typeof setup>['qc']) => qc.getQueryData<TrackingConfig[]>(CONFIGS_KEY);

describe('usePixelConfigurations', () => {
  it('loads the configs with isLoading, then data', async () => {
    const { hook } = mount([metaConfig()]);
    expect(hook.result.current.isLoading).toBe(true);
    await waitFor(() => expect(hook.result.current.data).toHaveLength(1));
    expect(hook.result.current.isError).toBe(false);
  });

  it('reports errors', async () => {
    const h = setup();
    h.mock.onGet(CONFIGS).reply(500, { error: { code: 'internal', message: 'boom' } });
    const hook = renderHook(() => usePixelConfigurations(), { wrapper: h.wrapper });
    await waitFor(() => expect(hook.result.current.isError).toBe(true));
    expect(hook.result.current.error).toBeTruthy();
  });

  it('toggles optimistically and keeps the server answer on success', async () => {
    const { hook, mock, qc, serve } = mount([metaConfig()]);
    await waitFor(() => expect(hook.result.current.data).toHaveLength(1));
    const answer = deferred<[number, unknown]>();
    mock.onPatch(`${CONFIGS}/cfg-meta-1`).reply(() => answer.promise);

    let done!: Promise<unknown>;
    act(() => {
      done = hook.result.current.updatePixelStatus('cfg-meta-1', false);
    });
    // Before the server answers, the cache already says "off".
    await waitFor(() => expect(cached(qc)?.[0]?.isActive).toBe(false));
    expect(JSON.parse(mock.history.patch[0]!.data as string)).toEqual({ isActive: false });

    serve([metaConfig({ isActive: false })]);
    answer.resolve([200, metaConfig({ isActive: false, updatedAt: '2026-11-27T10:00:00Z' })]);
    await act(() => done);
    await waitFor(() => expect(cached(qc)?.[0]?.isActive).toBe(false));
  });

  it('rolls the toggle back when the server refuses', async () => {
    const { hook, mock, qc, freezeServer } = mount([metaConfig()]);
    await waitFor(() => expect(hook.result.current.data).toHaveLength(1));
    freezeServer();
    const answer = deferred<[number, unknown]>();
    mock.onPatch(`${CONFIGS}/cfg-meta-1`).reply(() => answer.promise);

    let done!: Promise<unknown>;
    act(() => {
      done = hook.result.current.updatePixelStatus('cfg-meta-1', false);
    });
    await waitFor(() => expect(cached(qc)?.[0]?.isActive).toBe(false));
    answer.resolve([500, { error: { code: 'internal', message: 'x' } }]);
    await act(async () => {
      await done.catch(() => undefined);
    });
    await waitFor(() => expect(cached(qc)?.[0]?.isActive).toBe(true));
    await expect(done).rejects.toBeTruthy();
  });

  it('switches the browser pixel optimistically with a PATCH of that field alone, rolled back on refusal', async () => {
    const { hook, mock, qc, freezeServer } = mount([metaConfig()]);
    await waitFor(() => expect(hook.result.current.data).toHaveLength(1));
    freezeServer();
    const answer = deferred<[number, unknown]>();
    mock.onPatch(`${CONFIGS}/cfg-meta-1`).reply(() => answer.promise);

    let done!: Promise<unknown>;
    act(() => {
      done = hook.result.current.updatePixelBrowserPixel('cfg-meta-1', true);
    });
    await waitFor(() => expect(cached(qc)?.[0]?.browserPixel).toBe(true));
    expect(cached(qc)?.[0]?.isActive).toBe(true);
    expect(JSON.parse(mock.history.patch[0]!.data as string)).toEqual({ browserPixel: true });
    answer.resolve([400, { error: { code: 'invalid_request', message: 'x' } }]);
    await act(async () => {
      await done.catch(() => undefined);
    });
    await waitFor(() => expect(cached(qc)?.[0]?.browserPixel).toBe(false));
  });

  it('adds to the cache and refetches after a create', async () => {
    const { hook, mock, qc, serve } = mount([]);
    await waitFor(() => expect(hook.result.current.data).toEqual([]));
    const gets = mock.history.get.length;
    const created = metaConfig({ id: 'new-1' });
    mock.onPost(CONFIGS).reply(201, created);
    serve([created]);
    await act(() =>
      hook.result.current.addPixel({ platform: 'Meta', pixelId: '1234567890123', apiAccessToken: 't' }),
    );
    expect(cached(qc)?.map((c) => c.id)).toEqual(['new-1']);
    await waitFor(() => expect(mock.history.get.filter((r) => r.url === CONFIGS).length).toBeGreaterThan(gets));
  });

  it('removes from the cache and refetches after a delete', async () => {
    const { hook, mock, qc, serve } = mount([metaConfig(), metaConfig({ id: 'cfg-2', pixelId: '99999999999' })]);
    await waitFor(() => expect(hook.result.current.data).toHaveLength(2));
    const gets = mock.history.get.length;
    mock.onDelete(`${CONFIGS}/cfg-meta-1`).reply(204);
    serve([metaConfig({ id: 'cfg-2', pixelId: '99999999999' })]);
    await act(() => hook.result.current.deletePixel('cfg-meta-1'));
    expect(cached(qc)?.map((c) => c.id)).toEqual(['cfg-2']);
    await waitFor(() => expect(mock.history.get.length).toBeGreaterThan(gets));
  });

  it('keeps the cache when a delete fails', async () => {
    const { hook, mock, qc } = mount([metaConfig()]);
    await waitFor(() => expect(hook.result.current.data).toHaveLength(1));
    mock.onDelete(`${CONFIGS}/cfg-meta-1`).reply(404, { error: { code: 'not_found', message: 'no such config' } });
    await act(async () => {
      await expect(hook.result.current.deletePixel('cfg-meta-1')).rejects.toBeTruthy();
    });
    expect(cached(qc)).toHaveLength(1);
  });
});
