// ROI polygons (forehead, left cheek, right cheek) in pixel coordinates from the landmarks.
import { FOREHEAD_POLYGON, LEFT_CHEEK_POLYGON, RIGHT_CHEEK_POLYGON } from './landmark-indices.ts';
import type { FlatLandmarks } from './landmarks.ts';

/** ROI order everywhere (roi means, skin counts, protocol): forehead, left cheek, right cheek. */
export const ROI_NAMES = ['forehead', 'left_cheek', 'right_cheek'] as const;
export type RoiName = (typeof ROI_NAMES)[number];
export const ROI_LANDMARKS: readonly (readonly number[])[] = [FOREHEAD_POLYGON, LEFT_CHEEK_POLYGON, RIGHT_CHEEK_POLYGON];

/** Three polygons as x,y interleaved pixel coordinates, in ROI_NAMES order. */
export type RoiPolygons = [Float32Array, Float32Array, Float32Array];

export function createRoiPolygons(): RoiPolygons {
  return [
    new Float32Array(FOREHEAD_POLYGON.length * 2),
    new Float32Array(LEFT_CHEEK_POLYGON.length * 2),
    new Float32Array(RIGHT_CHEEK_POLYGON.length * 2),
  ];
}

/**
 * Fills `out` with the ROI polygons in pixels of a width x height frame. Returns false (leaving
 * NaN in the affected polygon) when a vertex is unknown.
 */
export function computeRoiPolygons(
  lm: FlatLandmarks,
  width: number,
  height: number,
  out: RoiPolygons = createRoiPolygons(),
): boolean {
  let complete = true;
  for (let r = 0; r < 3; r++) {
    const indices = ROI_LANDMARKS[r];
    const poly = out[r];
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      const x = lm[3 * i] * width;
      const y = lm[3 * i + 1] * height;
      poly[2 * k] = x;
      poly[2 * k + 1] = y;
      if (!Number.isFinite(x) || !Number.isFinite(y)) complete = false;
    }
  }
  return complete;
}

/** Shoelace area of an x,y interleaved polygon (positive either winding). */
export function polygonArea(poly: Float32Array): number {
  const n = poly.length >> 1;
  let sum = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    sum += poly[2 * j] * poly[2 * i + 1] - poly[2 * i] * poly[2 * j + 1];
  }
  return Math.abs(sum) / 2;
}

/** Even-odd point-in-polygon test. */
export function pointInPolygon(poly: Float32Array, x: number, y: number): boolean {
  const n = poly.length >> 1;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i], yi = poly[2 * i + 1], xj = poly[2 * j], yj = poly[2 * j + 1];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
