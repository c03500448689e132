// Inter-ocular distance: the scale every motion and planarity measure is normalised by.
import { POSE_POINTS } from './landmark-indices.ts';
import type { FlatLandmarks } from './landmarks.ts';

/** Eye centres (midpoints of the eye corners) in pixels: [rightX, rightY, leftX, leftY]. */
export function eyeCentres(lm: FlatLandmarks, width: number, height: number, out = new Float32Array(4)): Float32Array {
  const { rightEyeOuter: ro, rightEyeInner: ri, leftEyeOuter: lo, leftEyeInner: li } = POSE_POINTS;
  out[0] = ((lm[3 * ro] + lm[3 * ri]) / 2) * width;
  out[1] = ((lm[3 * ro + 1] + lm[3 * ri + 1]) / 2) * height;
  out[2] = ((lm[3 * lo] + lm[3 * li]) / 2) * width;
  out[3] = ((lm[3 * lo + 1] + lm[3 * li + 1]) / 2) * height;
  return out;
}

const scratch = new Float32Array(4);

/** Distance between the eye centres in pixels (NaN when an eye corner is unknown). */
export function interOcularDistance(lm: FlatLandmarks, width: number, height: number): number {
  const c = eyeCentres(lm, width, height, scratch);
  return Math.hypot(c[2] - c[0], c[3] - c[1]);
}
