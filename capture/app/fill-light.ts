/**
 * Screen fill light: when the face stays too dark, the area around the oval turns into a bright
 * warm-white frame (and the page asks for more screen brightness), so a laptop or phone lights the
 * face with its own screen. It stays on for the rest of the attempt once on (turning it off would
 * darken the face again), the capture included.
 *
 * With the light challenge it is the base colour: while a challenge colour is shown, the challenge
 * overlay covers the whole screen, frame included, so the face sees only the scheduled colour;
 * before the first and after the last colour the warm-white frame lights the face as during
 * guidance. Switching it off for the challenge instead would plunge a dim face into darkness for
 * the whole capture and fail the quality gate there.
 */
import type { GuidanceKey } from './guidance.ts';

/** Too dark this long without a break before the frame lights up. */
export const FILL_AFTER_MS = 800;
/** Lit and still too dark this long: the page gives up with the light tips. */
export const FILL_GIVE_UP_MS = 10_000;

export interface FillLight {
  /** Feed each guidance decision; answers whether to give up (too dark even with the light). */
  update(key: GuidanceKey, at: number): 'ok' | 'give_up';
  readonly on: boolean;
  /** Off for the light challenge (or teardown); a later update may light it again. */
  off(): void;
}

export function createFillLight(apply: (on: boolean) => void): FillLight {
  let darkSince: number | null = null;
  let litAt = 0;
  let on = false;
  const set = (value: boolean) => {
    if (value === on) return;
    on = value;
    apply(on);
  };
  return {
    update(key, at) {
      if (key !== 'guide_too_dark') {
        darkSince = null;
        return 'ok';
      }
      darkSince ??= at;
      if (!on && at - darkSince >= FILL_AFTER_MS) {
        set(true);
        litAt = at;
      }
      return on && at - litAt >= FILL_GIVE_UP_MS && at - darkSince >= FILL_GIVE_UP_MS ? 'give_up' : 'ok';
    },
    get on() {
      return on;
    },
    off() {
      darkSince = null;
      litAt = 0;
      set(false);
    },
  };
}

/** The page's frame: a body attribute the stylesheet turns into the warm-white frame. */
export function applyFillLight(on: boolean): void {
  document.body.dataset.fill = on ? 'on' : 'off';
  const advice = document.getElementById('fill-advice');
  if (advice) advice.hidden = !on;
}
