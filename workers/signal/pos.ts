import { SignalError } from './errors.ts';

/**
 * POS — Plane-Orthogonal-to-Skin (Wang, den Brinker, Stuijk & de Haan 2017, Algorithm 1).
 * For each sliding window of l frames ending at n:
 *   Cn = C / mean(C)  (temporal normalisation per channel)
 *   S1 = G - B,  S2 = G + B - 2R   (projection P = [[0, 1, -1], [-2, 1, 1]])
 *   h  = S1 + (σ(S1)/σ(S2)) · S2   (alpha tuning)
 *   H[m..n] += h - mean(h)          (overlap-add)
 * The paper uses l = 1.6 s (32 frames at 20 fps).
 */

export const DEFAULT_POS_WINDOW_SECONDS = 1.6;

export function posWindowLength(sampleRate: number, windowSeconds = DEFAULT_POS_WINDOW_SECONDS): number {
  return Math.max(2, Math.round(windowSeconds * sampleRate));
}

/**
 * h for one window. `rgb` interleaved, window = frames [start, start+l); writes l values into h.
 * Returns false when the window has a zero channel mean (no light) and h was zeroed.
 */
export function posWindow(rgb: ArrayLike<number>, start: number, l: number, h: Float64Array, s2buf: Float64Array): boolean {
  let mr = 0, mg = 0, mb = 0;
  for (let i = 0; i < l; i++) {
    const o = 3 * (start + i);
    mr += rgb[o]; mg += rgb[o + 1]; mb += rgb[o + 2];
  }
  if (mr <= 0 || mg <= 0 || mb <= 0) { h.fill(0, 0, l); return false; }
  const ir = l / mr, ig = l / mg, ib = l / mb;
  let s1m = 0, s2m = 0;
  for (let i = 0; i < l; i++) {
    const o = 3 * (start + i);
    const r = rgb[o] * ir, g = rgb[o + 1] * ig, b = rgb[o + 2] * ib;
    const s1 = g - b, s2 = g + b - 2 * r;
    h[i] = s1; s2buf[i] = s2;
    s1m += s1; s2m += s2;
  }
  s1m /= l; s2m /= l;
  let v1 = 0, v2 = 0;
  for (let i = 0; i < l; i++) {
    const d1 = h[i] - s1m, d2 = s2buf[i] - s2m;
    v1 += d1 * d1; v2 += d2 * d2;
  }
  const alpha = v2 > 0 ? Math.sqrt(v1 / v2) : 0;
  let hm = 0;
  for (let i = 0; i < l; i++) { h[i] += alpha * s2buf[i]; hm += h[i]; }
  hm /= l;
  for (let i = 0; i < l; i++) h[i] -= hm;
  return true;
}

/** POS over a whole uniform trace (`rgb` interleaved, n frames) into out[0..n). */
export function pos(rgb: ArrayLike<number>, sampleRate: number, out: Float64Array, windowSeconds = DEFAULT_POS_WINDOW_SECONDS): Float64Array {
  const n = Math.floor(rgb.length / 3);
  if (out.length < n) throw new SignalError('signal_bad_input', 'out shorter than the trace');
  const l = Math.min(n, posWindowLength(sampleRate, windowSeconds));
  out.fill(0, 0, n);
  if (n < 2) return out;
  const h = new Float64Array(l);
  const s2 = new Float64Array(l);
  for (let m = 0; m + l <= n; m++) {
    posWindow(rgb, m, l, h, s2);
    for (let i = 0; i < l; i++) out[m + i] += h[i];
  }
  return out;
}
