// Fine detail of a face: the spread of the luma Laplacian over the mean gradient magnitude, inside
// the central 60 % of the face box. Contrast cancels out (both scale with it); what is left is how
// much texture (pores, hair, stubble, sensor grain) sits between the edges. A face re-captured from
// a small screen and brought close to the camera is an upscaled picture: edges without fine
// texture, and the ratio falls (docs/EVALUATION.md, "Fine detail").
// Tonal range, in the same region: how far the face's darkest features (pupils, brows, nostrils)
// sit below its brightest skin, over the mean. A picture re-captured from a screen cannot show a
// black darker than the screen's own black under the room's light: its darks are washed out and
// the range is narrow (docs/EVALUATION.md, "Tonal range"). Pure, on RGBA pixels.

import { mean } from '../signal/stats.ts';
import { laplacianVariance } from './sharpness.ts';

export interface FaceBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Fewer measured pixels than this say nothing (a face a few pixels wide). */
const MIN_PIXELS = 50;

/** Luma of the central 60 % of the face box plus a `border` of pixels around it, or null when too small. */
function centralLuma(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, face: FaceBox, border: number): { luma: Float32Array; w: number; h: number } | null {
  const x0 = Math.max(border, Math.round(face.x + face.w * 0.2)), x1 = Math.min(width - 1 - border, Math.round(face.x + face.w * 0.8));
  const y0 = Math.max(border, Math.round(face.y + face.h * 0.2)), y1 = Math.min(height - 1 - border, Math.round(face.y + face.h * 0.8));
  if (x1 < x0 || y1 < y0 || (x1 - x0 + 1) * (y1 - y0 + 1) < MIN_PIXELS) return null;
  const w = x1 - x0 + 1 + 2 * border, h = y1 - y0 + 1 + 2 * border;
  const luma = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 4 * ((y0 - border + y) * width + (x0 - border + x));
      luma[y * w + x] = 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
    }
  }
  return { luma, w, h };
}

/** The ratio for one image, or null when the face box holds too few pixels to measure. */
export function fineDetailRatio(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, face: FaceBox): number | null {
  // The region plus a one-pixel border (the neighbours of its edge pixels), unrounded.
  const region = centralLuma(rgba, width, height, face, 1);
  if (!region) return null;
  const { luma, w, h } = region;
  let grad = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      grad += Math.abs(luma[i + 1] - luma[i - 1]) + Math.abs(luma[i + w] - luma[i - w]);
    }
  }
  // laplacianVariance measures the interior: exactly the region.
  return Math.sqrt(Math.max(0, laplacianVariance(luma, w, h))) / Math.max(1, grad / ((w - 2) * (h - 2)));
}

/**
 * The tonal range for one image: (95th - 5th percentile of luma) / mean luma over the central 60 %
 * of the face box; null when it holds too few pixels. Scales out with exposure (a dim face keeps
 * its range), falls with a raised black level.
 */
export function tonalRange(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, face: FaceBox): number | null {
  const region = centralLuma(rgba, width, height, face, 0);
  if (!region) return null;
  const sorted = region.luma.sort();
  const at = (q: number) => sorted[Math.round(q * (sorted.length - 1))];
  return (at(0.95) - at(0.05)) / Math.max(1, mean(sorted));
}
