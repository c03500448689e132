// Fine detail of a face: the spread of the luma Laplacian over the mean gradient magnitude, inside
// the central 60 % of the face box. Contrast cancels out (both scale with it); what is left is how
// much texture (pores, hair, stubble, sensor grain) sits between the edges. A face re-captured from
// a small screen and brought close to the camera is an upscaled picture: edges without fine
// texture, and the ratio falls (docs/EVALUATION.md, "Fine detail"). Pure, on RGBA pixels.

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
  const luma = (x: number, y: number) => {
    const i = 4 * (y * width + x);
    return 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
  };
  let sum = 0, sum2 = 0, grad = 0, n = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const l = luma(x - 1, y), r = luma(x + 1, y), u = luma(x, y - 1), d = luma(x, y + 1);
      const lap = 4 * luma(x, y) - l - r - u - d;
      sum += lap;
      sum2 += lap * lap;
      grad += Math.abs(r - l) + Math.abs(d - u);
      n++;
    }
  }
  return Math.sqrt(Math.max(0, sum2 / n - (sum / n) ** 2)) / Math.max(1, grad / n);
}
