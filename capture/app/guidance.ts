/**
 * Face guidance from the pipeline's status scalars (no pixels here): what to tell the person,
 * and whether the face is steady enough to start capturing.
 */
import type { MessageKey } from './i18n.ts';

export interface GuidanceInput {
  face: boolean;
  /** Normalised [x, y, w, h]. */
  box: [number, number, number, number] | null;
  brightness: number;
  motion: number;
}

export type GuidanceKey = Extract<MessageKey, 'guide_no_face' | 'guide_too_far' | 'guide_too_close' | 'guide_too_dark' | 'guide_off_centre' | 'guide_hold_still' | 'guide_good'>;

export const GUIDANCE_LIMITS = {
  /** Face height as a share of the frame height. */
  minFaceHeight: 0.22,
  maxFaceHeight: 0.8,
  /** Face centre distance from the frame centre, share of the frame. */
  maxOffCentre: 0.22,
  /** Mean face luma, 0..255. */
  minBrightness: 55,
  /** Face-centre speed, frame widths per second. */
  maxMotion: 0.25,
};

export function guidanceFor(s: GuidanceInput, limits = GUIDANCE_LIMITS): GuidanceKey {
  if (!s.face || !s.box) return s.brightness < limits.minBrightness * 0.6 ? 'guide_too_dark' : 'guide_no_face';
  const [x, y, w, h] = s.box;
  if (h < limits.minFaceHeight) return 'guide_too_far';
  if (h > limits.maxFaceHeight) return 'guide_too_close';
  if (Math.abs(x + w / 2 - 0.5) > limits.maxOffCentre || Math.abs(y + h / 2 - 0.5) > limits.maxOffCentre) return 'guide_off_centre';
  if (s.brightness < limits.minBrightness) return 'guide_too_dark';
  if (s.motion > limits.maxMotion) return 'guide_hold_still';
  return 'guide_good';
}

/** Tracks how long guidance has been "good" without a break. */
export function createSteadiness(requiredMs: number) {
  let since = 0;
  return {
    update(key: GuidanceKey, at: number): boolean {
      if (key !== 'guide_good') {
        since = 0;
        return false;
      }
      if (!since) since = at;
      return at - since >= requiredMs;
    },
    reset() {
      since = 0;
    },
  };
}
