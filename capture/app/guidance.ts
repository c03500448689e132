/**
 * Face guidance from the pipeline's status scalars (no pixels here): what to tell the person,
 * and whether the face is steady enough to start capturing.
 */
import { DEFAULT_MIN_FACE_SIZE } from '../../workers/face/quality-gates.ts';
import type { MessageKey } from './i18n.ts';

export interface GuidanceInput {
  face: boolean;
  /** Normalised [x, y, w, h]. */
  box: [number, number, number, number] | null;
  brightness: number;
  motion: number;
  /** Frame size in pixels: with it the face is measured as the server's quality gate measures it. */
  width?: number;
  height?: number;
}

export type GuidanceKey = Extract<MessageKey, 'guide_no_face' | 'guide_too_far' | 'guide_too_close' | 'guide_too_dark' | 'guide_off_centre' | 'guide_hold_still' | 'guide_good'>;

/**
 * The server refuses a capture whose median face side is under DEFAULT_MIN_FACE_SIZE of the
 * frame's shorter side (`quality:face_too_small`). The page starts at the same line, measured the
 * same way on the same box: a gate the page accepts and the server refuses would burn an attempt,
 * and a page stricter than the server would keep a person it would accept moving closer.
 */
/**
 * The server's exposure gate is a face-crop luma of 25 (what the pulse and the CNN were measured to
 * need, server/analysis/evidence.ts); the page measures the brighter skin alone, so 35 leaves a
 * margin. Below it the page asks for light and turns the screen into a fill light.
 */
const MIN_SKIN_LUMA = 35;

export const GUIDANCE_LIMITS = {
  /** Face box's larger side over the frame's shorter side (the server's measure); share of the frame height without a frame size. */
  minFaceSize: DEFAULT_MIN_FACE_SIZE,
  /** Face height as a share of the frame height. */
  maxFaceHeight: 0.8,
  /** Face centre distance from the frame centre, share of the frame. */
  maxOffCentre: 0.22,
  /** Mean face-skin luma, 0..255. */
  minBrightness: MIN_SKIN_LUMA,
  /** Face-centre speed, frame widths per second. */
  maxMotion: 0.25,
};

export function guidanceFor(s: GuidanceInput, limits = GUIDANCE_LIMITS): GuidanceKey {
  if (!s.face || !s.box) return s.brightness < limits.minBrightness * 0.6 ? 'guide_too_dark' : 'guide_no_face';
  const [x, y, w, h] = s.box;
  if (faceSize(s) < limits.minFaceSize) return 'guide_too_far';
  if (h > limits.maxFaceHeight) return 'guide_too_close';
  if (Math.abs(x + w / 2 - 0.5) > limits.maxOffCentre || Math.abs(y + h / 2 - 0.5) > limits.maxOffCentre) return 'guide_off_centre';
  if (s.brightness < limits.minBrightness) return 'guide_too_dark';
  if (s.motion > limits.maxMotion) return 'guide_hold_still';
  return 'guide_good';
}

/** The face box's larger side over the frame's shorter side, as the server's quality gate measures it. */
export function faceSize(s: GuidanceInput): number {
  if (!s.box) return 0;
  const [, , w, h] = s.box;
  if (!s.width || !s.height) return h;
  return Math.max(w * s.width, h * s.height) / Math.min(s.width, s.height);
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
