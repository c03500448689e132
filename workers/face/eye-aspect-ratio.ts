// Eye aspect ratio (Soukupová & Čech 2016): lid opening over eye width. About 0.25-0.35 open,
// below about 0.15 closed; the ratio is scale-free but needs pixel (not normalised) coordinates.
import { LEFT_EYE_EAR, RIGHT_EYE_EAR } from './landmark-indices.ts';
import type { FlatLandmarks } from './landmarks.ts';

function earOf(lm: FlatLandmarks, idx: readonly number[], width: number, height: number): number {
  const d = (a: number, b: number) =>
    Math.hypot((lm[3 * a] - lm[3 * b]) * width, (lm[3 * a + 1] - lm[3 * b + 1]) * height);
  const [p1, p2, p3, p4, p5, p6] = idx;
  return (d(p2, p6) + d(p3, p5)) / (2 * d(p1, p4));
}

export function rightEyeAspectRatio(lm: FlatLandmarks, width: number, height: number): number {
  return earOf(lm, RIGHT_EYE_EAR, width, height);
}

export function leftEyeAspectRatio(lm: FlatLandmarks, width: number, height: number): number {
  return earOf(lm, LEFT_EYE_EAR, width, height);
}

/** Mean of both eyes. */
export function eyeAspectRatio(lm: FlatLandmarks, width: number, height: number): number {
  return (rightEyeAspectRatio(lm, width, height) + leftEyeAspectRatio(lm, width, height)) / 2;
}

/** EAR at or above which an eye counts as fully open, and at or below which fully closed. */
export const DEFAULT_EAR_OPEN = 0.26;
export const DEFAULT_EAR_CLOSED = 0.12;

/** Maps an EAR to an eye-closure score in [0, 1] comparable with the eyeBlink blendshapes. */
export function eyeClosureFromEar(ear: number, open = DEFAULT_EAR_OPEN, closed = DEFAULT_EAR_CLOSED): number {
  if (!Number.isFinite(ear)) return Number.NaN;
  const c = (open - ear) / (open - closed);
  return c < 0 ? 0 : c > 1 ? 1 : c;
}
