// A small stateful blink detector over an eye-closure score in [0, 1] per frame: the mean of the
// eyeBlinkLeft/eyeBlinkRight blendshapes when FaceLandmarker gives them, else eyeClosureFromEar.
// Hysteresis (close above one threshold, reopen below a lower one) keeps noise from counting
// twice; a closure only counts as a blink when its duration is that of a blink, not of eyes
// kept shut or a one-frame glitch.
import { eyeClosureFromEar } from './eye-aspect-ratio.ts';

export const DEFAULT_BLINK_CLOSE_THRESHOLD = 0.5;
export const DEFAULT_BLINK_OPEN_THRESHOLD = 0.3;
export const DEFAULT_BLINK_MIN_CLOSED_MS = 30;
export const DEFAULT_BLINK_MAX_CLOSED_MS = 700;

export interface BlinkDetectorOptions {
  closeThreshold?: number;
  openThreshold?: number;
  minClosedMs?: number;
  maxClosedMs?: number;
}

export interface BlinkEvent {
  /** Time the eyes closed and reopened, ms. */
  startMs: number;
  endMs: number;
  /** Largest closure score seen during the blink. */
  peak: number;
}

export interface BlinkDetector {
  /** Feeds one frame; returns the blink that just ended, if any. NaN closure is ignored. */
  update(tMs: number, closure: number): BlinkEvent | null;
  readonly count: number;
  readonly eyesClosed: boolean;
  reset(): void;
}

export interface BlendshapeLike {
  categoryName: string;
  score: number;
}

/**
 * Eye-closure score of one frame: the blink blendshapes when present (as FaceLandmarker's
 * `categories` list or a name -> score record), else the EAR mapping.
 */
export function eyeClosure(blendshapes: readonly BlendshapeLike[] | Readonly<Record<string, number>> | null | undefined, ear: number): number {
  if (blendshapes) {
    let left = Number.NaN, right = Number.NaN;
    if (Array.isArray(blendshapes)) {
      for (const c of blendshapes as readonly BlendshapeLike[]) {
        if (c.categoryName === 'eyeBlinkLeft') left = c.score;
        else if (c.categoryName === 'eyeBlinkRight') right = c.score;
      }
    } else {
      const record = blendshapes as Readonly<Record<string, number>>;
      left = record.eyeBlinkLeft ?? Number.NaN;
      right = record.eyeBlinkRight ?? Number.NaN;
    }
    if (Number.isFinite(left) && Number.isFinite(right)) return (left + right) / 2;
  }
  return eyeClosureFromEar(ear);
}

export function createBlinkDetector(options: BlinkDetectorOptions = {}): BlinkDetector {
  const close = options.closeThreshold ?? DEFAULT_BLINK_CLOSE_THRESHOLD;
  const open = options.openThreshold ?? DEFAULT_BLINK_OPEN_THRESHOLD;
  const minMs = options.minClosedMs ?? DEFAULT_BLINK_MIN_CLOSED_MS;
  const maxMs = options.maxClosedMs ?? DEFAULT_BLINK_MAX_CLOSED_MS;
  let closed = false;
  let closedAt = 0;
  let peak = 0;
  let count = 0;
  return {
    update(tMs, closure) {
      if (!Number.isFinite(closure) || !Number.isFinite(tMs)) return null;
      if (!closed) {
        if (closure >= close) {
          closed = true;
          closedAt = tMs;
          peak = closure;
        }
        return null;
      }
      if (closure > peak) peak = closure;
      if (closure > open) return null;
      closed = false;
      const duration = tMs - closedAt;
      if (duration < minMs || duration > maxMs) return null;
      count++;
      return { startMs: closedAt, endMs: tMs, peak };
    },
    get count() { return count; },
    get eyesClosed() { return closed; },
    reset() { closed = false; closedAt = 0; peak = 0; count = 0; },
  };
}
