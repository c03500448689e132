// Fine detail of a face: the spread of the luma Laplacian over the mean gradient magnitude, inside
// the central 60 % of the face box. Contrast cancels out (both scale with it); what is left is how
// much texture (pores, hair, stubble, sensor grain) sits between the edges. A face re-captured from
// a small screen and brought close to the camera is an upscaled picture: edges without fine
// texture, and the ratio falls (docs/EVALUATION.md, "Fine detail"). Pure, on RGBA pixels.

import { laplacianVariance } from './sharpness.ts';

export interface FaceBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Fewer measured pixels than this say nothing (a face a few pixels wide). */
const MIN_PIXELS = 50;

/** The ratio for one image, or null when the face box holds too few pixels to measure. */
export function fineDetailRatio(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, face: FaceBox): number | null {
  const x0 = Math.max(1, Math.round(face.x + face.w * 0.2)), x1 = Math.min(width - 2, Math.round(face.x + face.w * 0.8));
  const y0 = Math.max(1, Math.round(face.y + face.h * 0.2)), y1 = Math.min(height - 2, Math.round(face.y + face.h * 0.8));
  if (x1 < x0 || y1 < y0 || (x1 - x0 + 1) * (y1 - y0 + 1) < MIN_PIXELS) return null;
  // Luma of the region plus a one-pixel border (the neighbours of its edge pixels), unrounded.
  const w = x1 - x0 + 3, h = y1 - y0 + 3;
  const luma = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 4 * ((y0 - 1 + y) * width + (x0 - 1 + x));
      luma[y * w + x] = 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
    }
  }
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
