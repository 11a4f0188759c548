import { render, screen } from '@testing-library/react';
import MockAdapter from 'axios-mock-adapter';
import axios from 'axios';
import { App, makeQueryClient } from '../App';
import { S } from '../strings';
import { TOKEN_KEY, takeToken } from './token';

const BASE = '/dashboard/marketing/pixels/';

describe('token handoff', () => {
  it('reads ?token= once, stores it, and removes it from the address bar', () => {
    window.history.replaceState(null, '', `${BASE}?token=abc.def.ghi&tab=logs#x`);
    const spy = vi.spyOn(window.history, 'replaceState');
    expect(takeToken()).toBe('abc.def.ghi');
    expect(window.sessionStorage.getItem(TOKEN_KEY)).toBe('abc.def.ghi');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(window.location.search).toBe('?tab=logs');
    expect(window.location.hash).toBe('#x');
    expect(window.location.href).not.toContain('abc.def.ghi');
    // A reload finds it in session storage.
    expect(takeToken()).toBe('abc.def.ghi');
  });

  it('reads #token= (never sent to a server) and removes it, keeping the rest', () => {
    window.history.replaceState(null, '', `${BASE}?tab=logs#token=frag.jwt.sig&x=1`);
    expect(takeToken()).toBe('frag.jwt.sig');
    expect(window.sessionStorage.getItem(TOKEN_KEY)).toBe('frag.jwt.sig');
    expect(window.location.search).toBe('?tab=logs');
    expect(window.location.hash).toBe('#x=1');
    expect(window.location.href).not.toContain('frag.jwt.sig');
  });

  it('falls back to session storage, and returns null without any token', () => {
    window.history.replaceState(null, '', BASE);
    expect(takeToken()).toBeNull();
    window.sessionStorage.setItem(TOKEN_KEY, 'stored');
    expect(takeToken()).toBe('stored');
  });

  it('an empty ?token= is dropped from the URL and not stored', () => {
    window.history.replaceState(null, '', `${BASE}?token=`);
    expect(takeToken()).toBeNull();
    expect(window.location.search).toBe('');
  });

  it('explains how to open the page when there is no token', () => {
    window.history.replaceState(null, '', BASE);
    render(<App />);
    expect(screen.getByRole('heading', { name: S.auth.missingTitle })).toBeInTheDocument();
    expect(screen.getByText(S.auth.missingBody)).toBeInTheDocument();
  });

  it('sends the token as a bearer and shows "sesión caducada" on 401', async () => {
    window.history.replaceState(null, '', `${BASE}?token=jwt-1`);
    // The app's client is created with axios.create: intercept at the adapter level for every instance.
    const original = axios.create;
    const seen: string[] = [];
    vi.spyOn(axios, 'create').mockImplementation((config) => {
      const instance = original.call(axios, config);
      const mock = new MockAdapter(instance);
      mock.onGet('/tracking-configs').reply((req) => {
        seen.push(String(req.headers?.Authorization));
        return [401, { error: { code: 'unauthorized', message: 'token expired' } }];
      });
      mock.onAny().reply(401);
      return instance;
    });
    render(<App queryClient={makeQueryClient()} />);
    expect(await screen.findByRole('heading', { name: S.auth.expiredTitle })).toBeInTheDocument();
    expect(seen[0]).toBe('Bearer jwt-1');
    expect(window.location.search).toBe('');
    // The dead token is forgotten: a reload asks to come back through TrainerERP.
    expect(window.sessionStorage.getItem(TOKEN_KEY)).toBeNull();
  });
});
