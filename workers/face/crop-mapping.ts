// Maps frame-pixel geometry into an aligned square face crop, so that the server can recompute
// ROI means from the crops in the bundle with the same polygons the client used.
import { squareCropBox } from './face-box.ts';
import type { FlatLandmarks } from './landmarks.ts';
import { computeRoiPolygons, createRoiPolygons, type RoiPolygons } from './roi-polygons.ts';

/**
 * `polygon` (x,y interleaved, frame pixels) into the pixels of a cropSize x cropSize image made
 * from the square `box` = [x0, y0, size] in frame pixels (as squareCropBox returns).
 */
export function mapPolygonToCrop(
  polygon: Float32Array,
  box: ArrayLike<number>,
  cropSize: number,
  out: Float32Array = new Float32Array(polygon.length),
): Float32Array {
  const s = cropSize / box[2];
  const x0 = box[0], y0 = box[1];
  for (let i = 0; i < polygon.length; i += 2) {
    out[i] = (polygon[i] - x0) * s;
    out[i + 1] = (polygon[i + 1] - y0) * s;
  }
  return out;
}

const framePolygons = createRoiPolygons();
const square = new Float32Array(3);

/**
 * ROI polygons in crop pixels straight from normalised landmarks and the normalised face box of
 * the frame (FrameRecord.box) for a frame of width x height. Returns false when a vertex is unknown.
 */
export function computeCropRoiPolygons(
  lm: FlatLandmarks,
  faceBox: ArrayLike<number>,
  width: number,
  height: number,
  cropSize: number,
  out: RoiPolygons = createRoiPolygons(),
): boolean {
  const complete = computeRoiPolygons(lm, width, height, framePolygons);
  squareCropBox(faceBox, width, height, 1, square);
  for (let r = 0; r < 3; r++) mapPolygonToCrop(framePolygons[r], square, cropSize, out[r]);
  return complete;
}
