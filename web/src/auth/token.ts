// The token handoff from TrainerERP (see web/README.md): `#token=` once (a URL fragment never
// reaches a server or a proxy's log), then sessionStorage. `?token=` is still read for links
// made before, and removed the same way.

export const TOKEN_KEY = 'trainererp.pixels.token';
export const TOKEN_PARAM = 'token';

/**
 * Reads the token the page was opened with, stores it, and removes it from the address bar at
 * once (so it is not left in history, bookmarks or screenshots). Without one, falls back to the
 * token already in session storage. Returns null when there is none.
 */
export function takeToken(win: Window = window): string | null {
  const url = new URL(win.location.href);
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ''));
  const fromUrl = fragment.get(TOKEN_PARAM) ?? url.searchParams.get(TOKEN_PARAM);
  if (fromUrl !== null) {
    url.searchParams.delete(TOKEN_PARAM);
    if (fragment.has(TOKEN_PARAM)) {
      fragment.delete(TOKEN_PARAM);
      const rest = fragment.toString();
      url.hash = rest ? `#${rest}` : '';
    }
    win.history.replaceState(win.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    const token = fromUrl.trim();
    if (token) {
      storeToken(win, token);
      return token;
    }
  }
  try {
    return win.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function storeToken(win: Window, token: string) {
  try {
    win.sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled (private mode): the token still works for this page view.
  }
}

export function forgetToken(win: Window = window) {
  try {
    win.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing to forget
  }
}
