import { bandpassZeroPhase, type BandpassOptions } from './biquad/bandpass.ts';
import { SignalError } from './errors.ts';
import { normalizeByMovingMean } from './normalize.ts';

/**
 * CHROM — chrominance-based rPPG (de Haan & Jeanne 2013).
 *   Rn, Gn, Bn  normalised colour channels
 *   X = 3Rn - 2Gn,  Y = 1.5Rn + Gn - 1.5Bn   (standardised skin-tone projection)
 *   Xf, Yf = band-passed X, Y;  α = σ(Xf)/σ(Yf);  S = Xf - α·Yf
 * α is computed per Hann-windowed segment (1.6 s, half overlap) and the segments are
 * overlap-added, as in the paper's section 4. Here the normalisation uses a centred moving mean
 * of the same length and the band-pass runs once over the whole trace (zero-phase): 1.6 s
 * windows are too short to band-pass on their own down to 0.7 Hz.
 */

export const DEFAULT_CHROM_WINDOW_SECONDS = 1.6;

export function chrom(
  rgb: ArrayLike<number>, sampleRate: number, out: Float64Array,
  windowSeconds = DEFAULT_CHROM_WINDOW_SECONDS, band: BandpassOptions = {},
): Float64Array {
  const n = Math.floor(rgb.length / 3);
  if (out.length < n) throw new SignalError('signal_bad_input', 'out shorter than the trace');
  out.fill(0, 0, n);
  if (n < 4) return out;
  const win = Math.min(n, Math.max(4, Math.round(windowSeconds * sampleRate)));
  const r = normalizeByMovingMean(rgb, 3, 0, n, win, new Float64Array(n));
  const g = normalizeByMovingMean(rgb, 3, 1, n, win, new Float64Array(n));
  const b = normalizeByMovingMean(rgb, 3, 2, n, win, new Float64Array(n));
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = 3 * r[i] - 2 * g[i];
    ys[i] = 1.5 * r[i] + g[i] - 1.5 * b[i];
  }
  bandpassZeroPhase(xs, sampleRate, xs, band);
  bandpassZeroPhase(ys, sampleRate, ys, band);
  const half = Math.max(1, Math.floor(win / 2));
  const hann = new Float64Array(win);
  for (let i = 0; i < win; i++) hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / win);
  for (let start = 0; ; start += half) {
    const s = Math.min(start, n - win);
    let vx = 0, vy = 0, mx = 0, my = 0;
    for (let i = 0; i < win; i++) { mx += xs[s + i]; my += ys[s + i]; }
    mx /= win; my /= win;
    for (let i = 0; i < win; i++) { const dx = xs[s + i] - mx, dy = ys[s + i] - my; vx += dx * dx; vy += dy * dy; }
    const alpha = vy > 0 ? Math.sqrt(vx / vy) : 0;
    for (let i = 0; i < win; i++) out[s + i] += hann[i] * (xs[s + i] - alpha * ys[s + i]);
    if (s + win >= n) break;
  }
  return out;
}
