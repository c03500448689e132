// Image motion between two aligned grayscale face crops by block matching, and how well one
// homography explains it. Landmarks from FaceLandmarker carry the network's 3D face prior, so a
// warped photo's landmarks show parallax-like residuals (README.md); the pixels of a photo do
// not: a print moves exactly as one plane. Blocks with texture (eyes, brows, nostrils, lips,
// hairline) are matched with zero-mean SAD inside a search window, refined to sub-pixel by a
// V-shaped fit, and the block centres' displacements are fitted by a similarity and a homography.
import { fitHomography, homographyResidual, similarityResidual } from './homography.ts';

export interface CropMotionResult {
  /** Blocks with enough texture and an interior best match. */
  matched: number;
  /** Residuals in crop pixels. */
  similarity_residual: number;
  homography_residual: number;
  /** homography / similarity residual; NaN when fewer than 8 blocks matched. */
  ratio: number;
}

export const DEFAULT_MIN_BLOCK_STDDEV = 6;
/** Share of matched blocks kept after discarding the worst-explained ones. */
export const KEEP_SHARE = 0.75;
const MAX_BLOCKS = 256;
const src = new Float64Array(2 * MAX_BLOCKS);
const dst = new Float64Array(2 * MAX_BLOCKS);
const h = new Float64Array(9);

/** Summed-area table with a zero first row and column: (size + 1)^2 entries. */
function integral(g: Uint8Array, size: number, out: Float64Array): void {
  const w = size + 1;
  out.fill(0, 0, w);
  for (let y = 0; y < size; y++) {
    let row = 0;
    out[(y + 1) * w] = 0;
    for (let x = 0; x < size; x++) {
      row += g[y * size + x];
      out[(y + 1) * w + x + 1] = out[y * w + x + 1] + row;
    }
  }
}

function blockMean(sat: Float64Array, size: number, cx: number, cy: number, hb: number): number {
  const w = size + 1, x0 = cx - hb, y0 = cy - hb, x1 = cx + hb + 1, y1 = cy + hb + 1;
  return (sat[y1 * w + x1] - sat[y0 * w + x1] - sat[y1 * w + x0] + sat[y0 * w + x0]) / ((2 * hb + 1) * (2 * hb + 1));
}

function zeroMeanSad(a: Uint8Array, b: Uint8Array, size: number, ax: number, ay: number, bx: number, by: number, hb: number, ma: number, mb: number): number {
  let s = 0;
  for (let dy = -hb; dy <= hb; dy++) {
    const ra = (ay + dy) * size, rb = (by + dy) * size;
    for (let dx = -hb; dx <= hb; dx++) s += Math.abs(a[ra + ax + dx] - ma - (b[rb + bx + dx] - mb));
  }
  return s;
}

/**
 * Matches blocks of crop `a` in crop `b` (both size x size grayscale, aligned the same way).
 * The inner 70 % of the crop is used: the face, not the background.
 */
export function cropMotion(a: Uint8Array, b: Uint8Array, size: number, minStddev = DEFAULT_MIN_BLOCK_STDDEV): CropMotionResult {
  const hb = Math.max(2, Math.round(size / 16));
  const step = Math.max(3, Math.round(size / 12));
  const radius = Math.max(2, Math.round(size / 10));
  const lo = Math.max(hb + radius + 1, Math.round(size * 0.15));
  const hi = Math.min(size - hb - radius - 2, Math.round(size * 0.85));
  const costs = new Float64Array((2 * radius + 1) * (2 * radius + 1));
  const satA = new Float64Array((size + 1) * (size + 1));
  const satB = new Float64Array((size + 1) * (size + 1));
  integral(a, size, satA);
  integral(b, size, satB);
  let n = 0;
  for (let cy = lo; cy <= hi && n < MAX_BLOCKS; cy += step) {
    for (let cx = lo; cx <= hi && n < MAX_BLOCKS; cx += step) {
      const ma = blockMean(satA, size, cx, cy, hb);
      let v = 0;
      for (let y = cy - hb; y <= cy + hb; y++) for (let x = cx - hb; x <= cx + hb; x++) v += (a[y * size + x] - ma) ** 2;
      if (Math.sqrt(v / ((2 * hb + 1) ** 2)) < minStddev) continue;
      let best = Infinity, bx = 0, by = 0;
      const w = 2 * radius + 1;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const mb = blockMean(satB, size, cx + dx, cy + dy, hb);
          const c = zeroMeanSad(a, b, size, cx, cy, cx + dx, cy + dy, hb, ma, mb);
          costs[(dy + radius) * w + dx + radius] = c;
          if (c < best) { best = c; bx = dx; by = dy; }
        }
      }
      if (Math.abs(bx) === radius || Math.abs(by) === radius) continue; // match may lie outside
      const at = (dx: number, dy: number) => costs[(dy + radius) * w + dx + radius];
      // Equiangular (V-shaped) sub-pixel fit: SAD costs grow linearly, not quadratically.
      const sub = (m: number, c: number, p: number) => {
        const d = Math.max(m, p) - c;
        return d > 0 ? (0.5 * (m - p)) / d : 0;
      };
      src[2 * n] = cx; src[2 * n + 1] = cy;
      dst[2 * n] = cx + bx + sub(at(bx - 1, by), best, at(bx + 1, by));
      dst[2 * n + 1] = cy + by + sub(at(bx, by - 1), best, at(bx, by + 1));
      n++;
    }
  }
  if (n < 8 || !fitHomography(src.subarray(0, 2 * n), dst.subarray(0, 2 * n), h)) {
    return { matched: n, similarity_residual: Number.NaN, homography_residual: Number.NaN, ratio: Number.NaN };
  }
  // Block matching has gross errors (repeated texture, occlusion at the outline): keep the
  // KEEP_SHARE of blocks the first homography explains best, then compare both models on them.
  const err = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = src[2 * i], y = src[2 * i + 1], w = h[6] * x + h[7] * y + h[8];
    err[i] = Math.hypot((h[0] * x + h[1] * y + h[2]) / w - dst[2 * i], (h[3] * x + h[4] * y + h[5]) / w - dst[2 * i + 1]);
  }
  const cut = Float64Array.from(err).sort()[Math.floor(KEEP_SHARE * (n - 1))];
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (err[i] > cut) continue;
    src[2 * m] = src[2 * i]; src[2 * m + 1] = src[2 * i + 1];
    dst[2 * m] = dst[2 * i]; dst[2 * m + 1] = dst[2 * i + 1];
    m++;
  }
  const s = src.subarray(0, 2 * m), d = dst.subarray(0, 2 * m);
  fitHomography(s, d, h);
  const sim = similarityResidual(s, d);
  const hom = homographyResidual(h, s, d);
  return { matched: n, similarity_residual: sim, homography_residual: hom, ratio: sim > 0 ? hom / sim : Number.NaN };
}

/** Shape change (crop pixels, 64 px crop) a pair needs before its ratio says anything. */
export const DEFAULT_CROP_MIN_SHAPE_PX = 0.35;
/**
 * Median ratio below this: planar. Real FaceLandmarker boxes on real clips (README.md): simulated
 * hand-held prints 0.27-0.41, live heads 0.73-0.87.
 */
export const DEFAULT_CROP_PLANAR_RATIO = 0.55;
export const DEFAULT_CROP_MIN_INFORMATIVE_PAIRS = 3;

export interface CropMotionSummary {
  /** Median ratio over informative pairs; null when none. Low: planar; high: parallax. */
  crop_planarity_ratio: number | null;
  planar: boolean;
  evidence: 'planar' | 'non_planar' | 'insufficient_motion';
  informative_pairs: number;
  pairs: number;
}

/** Aggregates cropMotion results of frame pairs (e.g. 400 ms apart) over a capture. */
export function summarizeCropMotion(
  results: readonly CropMotionResult[],
  minShapePx = DEFAULT_CROP_MIN_SHAPE_PX,
  planarRatio = DEFAULT_CROP_PLANAR_RATIO,
  minPairs = DEFAULT_CROP_MIN_INFORMATIVE_PAIRS,
): CropMotionSummary {
  const ratios = results.filter((r) => r.similarity_residual >= minShapePx && Number.isFinite(r.ratio)).map((r) => r.ratio).sort((a, b) => a - b);
  const mid = ratios.length >> 1;
  const ratio = ratios.length === 0 ? null : ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
  const evidence = ratios.length < minPairs || ratio === null ? 'insufficient_motion' : ratio < planarRatio ? 'planar' : 'non_planar';
  return { crop_planarity_ratio: ratio, planar: evidence === 'planar', evidence, informative_pairs: ratios.length, pairs: results.length };
}
