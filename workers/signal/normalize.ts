/**
 * Temporal normalisation by a centred moving mean: C(t) / mean(C over ~window around t).
 * Removes the skin tone and slow illumination changes and leaves relative (AC/DC) variation,
 * the input CHROM and GREEN expect. O(n) with a running sum.
 */
export function normalizeByMovingMean(
  x: ArrayLike<number>, stride: number, channel: number, n: number, window: number, out: Float64Array,
): Float64Array {
  const half = Math.max(1, Math.floor(window / 2));
  let lo = 0, hi = -1, sum = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - half), b = Math.min(n - 1, i + half);
    while (hi < b) { hi++; sum += x[hi * stride + channel]; }
    while (lo < a) { sum -= x[lo * stride + channel]; lo++; }
    const m = sum / (hi - lo + 1);
    out[i] = m > 0 ? x[i * stride + channel] / m - 1 : 0;
  }
  return out;
}
