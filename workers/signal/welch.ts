import { SignalError } from './errors.ts';
import { createFft, nextPowerOfTwo, type Fft } from './fft.ts';

/**
 * Welch's averaged periodogram (Hann window, segments spread evenly with at least 50 % overlap,
 * zero-padded to a power of two fine enough for ~1 bpm bins). One-sided, density scaling
 * (power per Hz), so Σ psd·binHz ≈ variance of the signal.
 */

export const DEFAULT_SEGMENT_SECONDS = 10;
/** Zero-pad until a bin is at most this wide (Hz); 1/30 Hz = 2 bpm, refined by the parabolic peak. */
export const DEFAULT_MAX_BIN_HZ = 1 / 30;

export interface Spectrum {
  /** One-sided PSD, nfft/2 + 1 bins. */
  psd: Float64Array;
  binHz: number;
  sampleRate: number;
  nfft: number;
  segments: number;
}

export interface WelchOptions {
  segmentSeconds?: number;
  maxBinHz?: number;
}

export function welchNfft(n: number, sampleRate: number, options: WelchOptions = {}): { segment: number; nfft: number } {
  const segment = Math.max(4, Math.min(n, Math.round((options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS) * sampleRate)));
  const nfft = nextPowerOfTwo(Math.max(segment, Math.ceil(sampleRate / (options.maxBinHz ?? DEFAULT_MAX_BIN_HZ))));
  return { segment, nfft };
}

/** Reusable buffers and FFT plan for repeated Welch calls of one shape (the streaming path). */
export interface WelchPlan {
  readonly segment: number;
  readonly nfft: number;
  readonly sampleRate: number;
  readonly fft: Fft;
  readonly window: Float64Array;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export function createWelchPlan(n: number, sampleRate: number, options: WelchOptions = {}): WelchPlan {
  const { segment, nfft } = welchNfft(n, sampleRate, options);
  const window = new Float64Array(segment);
  for (let i = 0; i < segment; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / segment);
  return { segment, nfft, sampleRate, fft: createFft(nfft), window, re: new Float64Array(nfft), im: new Float64Array(nfft) };
}

/** Welch PSD of x[0..n) into out (nfft/2 + 1 values). */
export function welch(x: ArrayLike<number>, plan: WelchPlan, out: Float64Array = new Float64Array(plan.nfft / 2 + 1), n = x.length): Spectrum {
  const { segment, nfft, fft, window, re, im, sampleRate } = plan;
  if (n < segment) throw new SignalError('signal_too_short', `Welch needs ${segment} samples, got ${n}`);
  const bins = nfft / 2 + 1;
  out.fill(0, 0, bins);
  const step = Math.max(1, Math.floor(segment / 2));
  const count = n === segment ? 1 : Math.ceil((n - segment) / step) + 1;
  let wss = 0;
  for (let i = 0; i < segment; i++) wss += window[i] * window[i];
  for (let s = 0; s < count; s++) {
    // Spread the segments evenly so the last one ends at n (no tail left out).
    const start = count === 1 ? 0 : Math.round((s * (n - segment)) / (count - 1));
    let m = 0;
    for (let i = 0; i < segment; i++) m += x[start + i];
    m /= segment;
    re.fill(0); im.fill(0);
    for (let i = 0; i < segment; i++) re[i] = (x[start + i] - m) * window[i];
    fft.forward(re, im);
    for (let k = 0; k < bins; k++) {
      const p = re[k] * re[k] + im[k] * im[k];
      out[k] += k === 0 || k === nfft / 2 ? p : 2 * p;
    }
  }
  const scale = 1 / (count * sampleRate * wss);
  for (let k = 0; k < bins; k++) out[k] *= scale;
  return { psd: out, binHz: sampleRate / nfft, sampleRate, nfft, segments: count };
}

/** Convenience: Welch PSD with a fresh plan. */
export function welchPsd(x: ArrayLike<number>, sampleRate: number, options: WelchOptions = {}, n = x.length): Spectrum {
  return welch(x, createWelchPlan(n, sampleRate, options), undefined, n);
}
