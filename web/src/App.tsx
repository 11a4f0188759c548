// Token handoff, the 401 state, and the providers around the dashboard.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { isAxiosError } from 'axios';
import { useMemo, useState } from 'react';
import { ApiProvider } from './api/ApiContext';
import { createApiClient } from './api/client';
import { forgetToken, takeToken } from './auth/token';
import { PixelManagerDashboard } from './components/PixelManagerDashboard';
import { S } from './strings';

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx will not get better by asking again; a network blip might.
        retry: (count, error) => {
          const status = isAxiosError(error) ? error.response?.status : undefined;
          return (status === undefined || status >= 500) && count < 2;
        },
        refetchOnWindowFocus: false,
        staleTime: 15_000,
      },
      mutations: { retry: false },
    },
  });
}

function Notice({ title, body }: { title: string; body: string }) {
  return (
    <main className="page">
      <section className="state notice" role="alert">
        <h1>{title}</h1>
        <p>{body}</p>
      </section>
    </main>
  );
}

export function App({ win = window, queryClient }: { win?: Window; queryClient?: QueryClient }) {
  const [token] = useState(() => takeToken(win));
  const [expired, setExpired] = useState(false);
  const client = useMemo(
    () =>
      token
        ? createApiClient({
            token,
            onUnauthorized: () => {
              forgetToken(win);
              setExpired(true);
            },
          })
        : null,
    [token, win],
  );
  const qc = useMemo(() => queryClient ?? makeQueryClient(), [queryClient]);

  if (!client) return <Notice title={S.auth.missingTitle} body={S.auth.missingBody} />;
  if (expired) return <Notice title={S.auth.expiredTitle} body={S.auth.expiredBody} />;
  return (
    <QueryClientProvider client={qc}>
      <ApiProvider client={client}>
        <PixelManagerDashboard />
      </ApiProvider>
    </QueryClientProvider>
  );
}
