// Mean RGB of the skin pixels inside each ROI polygon of an RGBA frame, by scanline fill: per
// pixel row, the polygon's edge crossings at the row centre, then the pixels whose centres lie
// between pairs of crossings. No allocation per call; outputs go to caller buffers.
import { DEFAULT_SKIN_THRESHOLDS, type SkinThresholds } from './skin-mask.ts';

export interface RoiSampleOptions {
  skin?: SkinThresholds;
}

const MAX_VERTICES = 64;
const crossings = new Float64Array(MAX_VERTICES);

/**
 * Samples the polygons (x,y interleaved, pixels of this buffer) of an RGBA buffer.
 * `outMeans[3r..3r+2]` = mean R, G, B of polygon r's skin pixels (0 when none),
 * `outCounts[r]` = number of skin pixels. Pixels outside the buffer are skipped. Polygons with a
 * non-finite vertex count as empty.
 */
export function sampleRoiMeans(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  polygons: readonly Float32Array[],
  outMeans: Float32Array,
  outCounts: Uint32Array,
  options: RoiSampleOptions = {},
): void {
  const t = options.skin ?? DEFAULT_SKIN_THRESHOLDS;
  const { yMin, yMax, cbMin, cbMax, crMin, crMax } = t;
  for (let r = 0; r < polygons.length; r++) {
    const poly = polygons[r];
    const n = poly.length >> 1;
    let sumR = 0, sumG = 0, sumB = 0, count = 0;
    let minY = Infinity, maxY = -Infinity, finite = n >= 3 && n <= MAX_VERTICES;
    for (let i = 0; i < n && finite; i++) {
      const y = poly[2 * i + 1];
      if (!Number.isFinite(y) || !Number.isFinite(poly[2 * i])) finite = false;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    if (finite) {
      // Rows whose centre (row + 0.5) lies within [minY, maxY].
      const row0 = Math.max(0, Math.ceil(minY - 0.5));
      const row1 = Math.min(height - 1, Math.floor(maxY - 0.5));
      for (let row = row0; row <= row1; row++) {
        const yc = row + 0.5;
        let k = 0;
        for (let i = 0, j = n - 1; i < n; j = i++) {
          const yi = poly[2 * i + 1], yj = poly[2 * j + 1];
          if ((yi > yc) !== (yj > yc)) {
            const xi = poly[2 * i];
            const x = xi + ((yc - yi) * (poly[2 * j] - xi)) / (yj - yi);
            // Insertion sort: a row crosses a face polygon a handful of times.
            let m = k++;
            while (m > 0 && crossings[m - 1] > x) { crossings[m] = crossings[m - 1]; m--; }
            crossings[m] = x;
          }
        }
        const rowBase = row * width;
        for (let p = 0; p + 1 < k; p += 2) {
          // Pixel columns whose centre (col + 0.5) lies in [crossing p, crossing p+1).
          const c0 = Math.max(0, Math.ceil(crossings[p] - 0.5));
          const c1 = Math.min(width - 1, Math.ceil(crossings[p + 1] - 0.5) - 1);
          for (let col = c0, o = (rowBase + c0) * 4; col <= c1; col++, o += 4) {
            const R = rgba[o], G = rgba[o + 1], B = rgba[o + 2];
            const Y = (77 * R + 150 * G + 29 * B) >> 8;
            if (Y < yMin || Y > yMax) continue;
            const cb = ((-43 * R - 85 * G + 128 * B) >> 8) + 128;
            if (cb < cbMin || cb > cbMax) continue;
            const cr = ((128 * R - 107 * G - 21 * B) >> 8) + 128;
            if (cr < crMin || cr > crMax) continue;
            sumR += R; sumG += G; sumB += B; count++;
          }
        }
      }
    }
    outCounts[r] = count;
    outMeans[3 * r] = count ? sumR / count : 0;
    outMeans[3 * r + 1] = count ? sumG / count : 0;
    outMeans[3 * r + 2] = count ? sumB / count : 0;
  }
}
