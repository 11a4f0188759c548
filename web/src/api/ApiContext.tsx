import { createContext, useContext, type ReactNode } from 'react';
import type { AxiosInstance } from 'axios';

const ApiContext = createContext<AxiosInstance | null>(null);

export function ApiProvider({ client, children }: { client: AxiosInstance; children: ReactNode }) {
  return <ApiContext.Provider value={client}>{children}</ApiContext.Provider>;
}

export function useApi(): AxiosInstance {
  const client = useContext(ApiContext);
  if (!client) throw new Error('useApi outside ApiProvider');
  return client;
}
