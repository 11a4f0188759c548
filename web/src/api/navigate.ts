// Leaving the dashboard for another page (Google's consent screen). One object, so tests can
// replace `go` instead of navigating jsdom away.
export const browser = {
  go: (url: string) => {
    window.location.assign(url);
  },
};

/** `?googleConnection=<id>[&googleApi=adsApi]`, as the OAuth callback sends the browser back. */
export interface GoogleReturn {
  connection: string;
  adsApi: boolean;
  /** The config the flow reconnects (`&reconnect=<configId>`), when it was started from its card. */
  reconnect?: string;
}

/**
 * Reads the pending Google connection the callback put in the address and removes it at once,
 * so a reload does not reopen the modal. Null when the page was not opened by the callback.
 */
export function takeGoogleReturn(win: Window = window): GoogleReturn | null {
  const url = new URL(win.location.href);
  const connection = url.searchParams.get('googleConnection');
  if (connection === null) return null;
  const adsApi = url.searchParams.get('googleApi') === 'adsApi';
  const reconnect = url.searchParams.get('reconnect');
  url.searchParams.delete('googleConnection');
  url.searchParams.delete('googleApi');
  url.searchParams.delete('reconnect');
  win.history.replaceState(win.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  if (!/^[0-9a-f]{32}$/.test(connection)) return null;
  if (reconnect === null) return { connection, adsApi };
  return /^[A-Za-z0-9._-]{1,64}$/.test(reconnect) ? { connection, adsApi, reconnect } : null;
}
