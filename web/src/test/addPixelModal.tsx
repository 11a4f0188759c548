// Drives the add-pixel modal in tests: open it, walk its steps, read what it sent.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AddPixelModal } from '../components/AddPixelModal/AddPixelModal';
import { S } from '../strings';
import { metaConfig, setup } from './utils';

export const CONFIGS = '/tracking-configs';
export const nameRe = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

/** Opens the modal: to connect a new pixel (no argument) or to edit `metaConfig(override)`. */
export function open(configOverride?: Parameters<typeof metaConfig>[0] | null) {
  const h = setup();
  const onClose = vi.fn();
  const config = configOverride === undefined ? null : metaConfig(configOverride ?? {});
  h.mock.onGet(CONFIGS).reply(200, []);
  h.render(<AddPixelModal open onClose={onClose} config={config} />);
  return { ...h, onClose, user: userEvent.setup({ delay: null }) };
}

/** A pending connection id, as the OAuth callback hands it back. */
export const CONNECTION = '0123456789abcdef0123456789abcdef';

/** Opens the modal as the dashboard does when the browser comes back from Google's consent screen. */
export function openGoogle(adsApi = false) {
  const h = setup();
  const onClose = vi.fn();
  h.mock.onGet(CONFIGS).reply(200, []);
  h.render(<AddPixelModal open onClose={onClose} google={{ connection: CONNECTION, adsApi }} />);
  return { ...h, onClose, user: userEvent.setup({ delay: null }) };
}

export type User = ReturnType<typeof userEvent.setup>;

/** Clicks "Siguiente" and waits until the given step is on screen (validation is async). */
export async function next(user: User, step: 1 | 2 | 3) {
  await user.click(screen.getByRole('button', { name: S.modal.next }));
  await screen.findByRole('heading', { name: S.modal.steps[step] });
}

export async function choose(user: User, platform: 'Meta' | 'Google' | 'TikTok') {
  await user.click(screen.getByRole('radio', { name: nameRe(S.platform.name[platform]) }));
  await next(user, 1);
}

/** From a valid credentials step to the save button. */
export async function toSave(user: User, label: string = S.modal.save) {
  await next(user, 2);
  await next(user, 3);
  return screen.getByRole('button', { name: label });
}

export function lastBody(mock: ReturnType<typeof setup>['mock'], method: 'post' | 'patch') {
  const calls = mock.history[method];
  return JSON.parse(calls[calls.length - 1]!.data as string);
}
