// Landmark layout shared by every face stage: a flat Float32Array of LANDMARK_COUNT * 3 values
// (x, y, z per point, x and y normalised to the frame's width and height as FaceLandmarker gives
// them). A point that is unknown (e.g. outside the wire subset) holds NaN.
import { LANDMARK_COUNT } from './landmark-indices.ts';

export type FlatLandmarks = Float32Array;

export interface NormalizedLandmarkLike {
  x: number;
  y: number;
  z?: number;
}

export interface FrameSize {
  width: number;
  height: number;
}

export function createLandmarkBuffer(): FlatLandmarks {
  return new Float32Array(LANDMARK_COUNT * 3).fill(Number.NaN);
}

/** Copies FaceLandmarker's `{x, y, z}[]` into the flat layout (missing points become NaN). */
export function flattenLandmarks(
  points: readonly NormalizedLandmarkLike[],
  out: FlatLandmarks = createLandmarkBuffer(),
): FlatLandmarks {
  out.fill(Number.NaN);
  const n = Math.min(points.length, LANDMARK_COUNT);
  for (let i = 0; i < n; i++) {
    const p = points[i];
    out[3 * i] = p.x;
    out[3 * i + 1] = p.y;
    out[3 * i + 2] = p.z ?? Number.NaN;
  }
  return out;
}

/** True when x and y of point `index` are known. */
export function hasLandmark(lm: FlatLandmarks, index: number): boolean {
  return Number.isFinite(lm[3 * index]) && Number.isFinite(lm[3 * index + 1]);
}

/** True when every listed point has finite x and y. */
export function hasLandmarks(lm: FlatLandmarks, indices: readonly number[]): boolean {
  for (const i of indices) if (!hasLandmark(lm, i)) return false;
  return true;
}
