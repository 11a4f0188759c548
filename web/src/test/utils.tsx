// Test harness: the real axios client (with its 401 hook) behind axios-mock-adapter, a fresh
// QueryClient per test, and fixtures shaped like the contract's answers.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderOptions } from '@testing-library/react';
import MockAdapter from 'axios-mock-adapter';
import type { ReactElement, ReactNode } from 'react';
import { ApiProvider } from '../api/ApiContext';
import { createApiClient } from '../api/client';
import type { TrackingConfig } from '../api/types';

export function setup() {
  const onUnauthorized = vi.fn();
  const client = createApiClient({ token: 'test-token', onUnauthorized });
  const mock = new MockAdapter(client);
  const qc = new QueryClient({
    defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } },
  });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={qc}>
      <ApiProvider client={client}>{children}</ApiProvider>
    </QueryClientProvider>
  );
  const view = (ui: ReactElement, options?: Omit<RenderOptions, 'wrapper'>) => render(ui, { wrapper, ...options });
  return { client, mock, qc, wrapper, render: view, onUnauthorized };
}

export function metaConfig(overrides: Partial<TrackingConfig> = {}): TrackingConfig {
  return {
    id: 'cfg-meta-1',
    platform: 'Meta',
    pixelId: '1234567890123',
    isActive: true,
    createdAt: '2026-11-20T10:00:00Z',
    updatedAt: '2026-11-20T10:00:00Z',
    trackedEvents: ['PURCHASE', 'LEAD'],
    eventMappings: { 'cliente.pago_exitoso': 'PURCHASE', 'lead.registrado': 'LEAD' },
    health: { status: 'ok', lastError: null },
    lastEvent: { time: '2026-11-27T09:30:00Z', status: 'success' },
    browserPixel: false,
    ...overrides,
  };
}

export function apiError(code: string, message: string, details: unknown = null) {
  return { error: { code, message, details } };
}

/** A deferred answer, to observe the UI while a request is in flight. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
