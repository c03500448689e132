// Face box and the square crop box derived from it.
import { MESH_LANDMARK_COUNT } from './landmark-indices.ts';
import type { FlatLandmarks } from './landmarks.ts';

/**
 * Normalised [x, y, w, h] bounding box of the known mesh points (iris points add nothing).
 * Returns false and leaves `out` untouched when no point is known.
 */
export function computeFaceBox(lm: FlatLandmarks, out: Float32Array = new Float32Array(4)): boolean {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < MESH_LANDMARK_COUNT; i++) {
    const x = lm[3 * i], y = lm[3 * i + 1];
    if (!(x === x) || !(y === y)) continue; // NaN: unknown point
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (minX > maxX) return false;
  out[0] = minX;
  out[1] = minY;
  out[2] = maxX - minX;
  out[3] = maxY - minY;
  return true;
}

/**
 * The square crop around a normalised face box, in pixels: [x0, y0, size]. The square has the
 * box's larger side (in pixels) times `scale`, centred on the box; it may extend past the frame
 * (samplers treat outside pixels as missing). Crops and ROIs mapped with mapPolygonToCrop must use
 * the same square.
 */
export function squareCropBox(
  box: ArrayLike<number>,
  width: number,
  height: number,
  scale = 1,
  out: Float32Array = new Float32Array(3),
): Float32Array {
  const w = box[2] * width, h = box[3] * height;
  const size = Math.max(w, h) * scale;
  const cx = (box[0] + box[2] / 2) * width;
  const cy = (box[1] + box[3] / 2) * height;
  out[0] = cx - size / 2;
  out[1] = cy - size / 2;
  out[2] = size;
  return out;
}
