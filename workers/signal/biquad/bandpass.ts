import { SignalError } from '../errors.ts';
import { butterworthQs, designHighpass, designLowpass, type BiquadCoefficients } from './biquad.ts';

/** The heart-rate band: 0.7–4 Hz = 42–240 bpm. */
export const DEFAULT_LOW_HZ = 0.7;
export const DEFAULT_HIGH_HZ = 4;
/** Butterworth order per edge; filtfilt doubles the effective order. */
export const DEFAULT_ORDER = 2;

export interface BandpassOptions {
  lowHz?: number;
  highHz?: number;
  /** Even Butterworth order of each edge (2 or 4 ...). */
  order?: number;
}

/** A Butterworth band-pass as a cascade of high-pass and low-pass biquads. */
export function designBandpass(sampleRate: number, options: BandpassOptions = {}): BiquadCoefficients[] {
  const low = options.lowHz ?? DEFAULT_LOW_HZ;
  const high = Math.min(options.highHz ?? DEFAULT_HIGH_HZ, 0.45 * sampleRate);
  const order = options.order ?? DEFAULT_ORDER;
  if (!(low > 0 && high > low)) throw new SignalError('signal_bad_option', `bad band ${low}-${high} Hz at ${sampleRate} Hz`);
  if (order < 2 || order % 2) throw new SignalError('signal_bad_option', `order must be even and >= 2, got ${order}`);
  const qs = butterworthQs(order);
  return [...qs.map((q) => designHighpass(low, sampleRate, q)), ...qs.map((q) => designLowpass(high, sampleRate, q))];
}

/** Run a cascade over x[0..n) into out (may alias x), starting from zero state. */
export function filterCascade(sections: readonly BiquadCoefficients[], x: ArrayLike<number>, out: Float64Array, n = x.length): Float64Array {
  if (out !== x) for (let i = 0; i < n; i++) out[i] = x[i];
  for (const s of sections) {
    const b0 = s[0], b1 = s[1], b2 = s[2], a1 = s[3], a2 = s[4];
    let z1 = 0, z2 = 0;
    for (let i = 0; i < n; i++) {
      const v = out[i];
      const y = b0 * v + z1;
      z1 = b1 * v - a1 * y + z2;
      z2 = b2 * v - a2 * y;
      out[i] = y;
    }
  }
  return out;
}

/**
 * Zero-phase filtering (forward then backward), offline. The ends are padded with an odd
 * reflection about the end values so the start-up transient lands in the padding.
 */
export function filtfilt(sections: readonly BiquadCoefficients[], x: ArrayLike<number>, out: Float64Array, sampleRate: number, n = x.length, lowHz = DEFAULT_LOW_HZ): Float64Array {
  if (n === 0) return out;
  const pad = Math.min(n - 1, Math.ceil((2 * sampleRate) / lowHz));
  const m = n + 2 * pad;
  const buf = new Float64Array(m);
  const first = x[0], last = x[n - 1];
  for (let i = 0; i < pad; i++) buf[i] = 2 * first - x[pad - i];
  for (let i = 0; i < n; i++) buf[pad + i] = x[i];
  for (let i = 0; i < pad; i++) buf[pad + n + i] = 2 * last - x[n - 2 - i];
  filterCascade(sections, buf, buf, m);
  buf.reverse();
  filterCascade(sections, buf, buf, m);
  buf.reverse();
  for (let i = 0; i < n; i++) out[i] = buf[pad + i];
  return out;
}

/** Offline band-pass, zero-phase. */
export function bandpassZeroPhase(x: ArrayLike<number>, sampleRate: number, out: Float64Array, options: BandpassOptions = {}, n = x.length): Float64Array {
  return filtfilt(designBandpass(sampleRate, options), x, out, sampleRate, n, options.lowHz ?? DEFAULT_LOW_HZ);
}

/** Causal band-pass holding its own state, one sample at a time (streaming). */
export interface CausalBandpass {
  process(x: number): number;
  /** Filter x[0..n) into out[offset..] continuing from the current state, leaving the state untouched. */
  preview(x: ArrayLike<number>, n: number, out: Float64Array, offset?: number): void;
  reset(): void;
}

export function createCausalBandpass(sampleRate: number, options: BandpassOptions = {}): CausalBandpass {
  const sections = designBandpass(sampleRate, options);
  const k = sections.length;
  const coef = new Float64Array(5 * k);
  sections.forEach((s, i) => coef.set(s, 5 * i));
  const state = new Float64Array(2 * k);
  const saved = new Float64Array(2 * k);
  const step = (x: number): number => {
    let v = x;
    for (let i = 0; i < k; i++) {
      const c = 5 * i, z = 2 * i;
      const y = coef[c] * v + state[z];
      state[z] = coef[c + 1] * v - coef[c + 3] * y + state[z + 1];
      state[z + 1] = coef[c + 2] * v - coef[c + 4] * y;
      v = y;
    }
    return v;
  };
  return {
    process: step,
    preview(x, n, out, offset = 0) {
      saved.set(state);
      for (let i = 0; i < n; i++) out[offset + i] = step(x[i]);
      state.set(saved);
    },
    reset() { state.fill(0); },
  };
}
