/**
 * Small reductions over typed-array ranges [from, to), and the one median and Pearson
 * correlation of the tree (page workers and server analysis alike).
 */

export function mean(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i];
  return to > from ? s / (to - from) : 0;
}

export function std(x: ArrayLike<number>, from = 0, to = x.length): number {
  const m = mean(x, from, to);
  let s = 0;
  for (let i = from; i < to; i++) { const d = x[i] - m; s += d * d; }
  return to > from ? Math.sqrt(s / (to - from)) : 0;
}

export interface MedianOptions {
  /** Drop NaN and ±Infinity before sorting (default true). */
  finiteOnly?: boolean;
}

function sortedValues(values: ArrayLike<number>, finiteOnly: boolean): number[] {
  const a = Array.from(values);
  return (finiteOnly ? a.filter((v) => Number.isFinite(v)) : a).sort((p, q) => p - q);
}

/** The middle of a sorted, non-empty list; the mean of the two middle values for even lengths. */
function middle(s: number[]): number {
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Median (mean of the two middle values for even lengths); NaN for an empty list. */
export function median(values: ArrayLike<number>, options: MedianOptions = {}): number {
  const s = sortedValues(values, options.finiteOnly ?? true);
  return s.length === 0 ? Number.NaN : middle(s);
}

/** As median(), but null for an empty list. */
export function medianOrNull(values: ArrayLike<number>, options: MedianOptions = {}): number | null {
  const s = sortedValues(values, options.finiteOnly ?? true);
  return s.length === 0 ? null : middle(s);
}

/**
 * The upper of the two middle values for even lengths (never an average: the value is one that
 * was measured); 0 for an empty list. No filtering. Used for stage timings.
 */
export function upperMedian(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  const s = Array.from(values).sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}

/**
 * Pearson correlation of the first `n` values of two series; null when fewer than `minLength`
 * pairs or when either series is constant.
 */
export function pearsonOrNull(a: ArrayLike<number>, b: ArrayLike<number>, minLength = 1, n = Math.min(a.length, b.length)): number | null {
  if (n < minLength) return null;
  const ma = mean(a, 0, n);
  const mb = mean(b, 0, n);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

/** Pearson correlation of two equal-length series; 0 when either is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>, n = Math.min(a.length, b.length)): number {
  return pearsonOrNull(a, b, 1, n) ?? 0;
}
