import { bandpassZeroPhase, type BandpassOptions } from './biquad/bandpass.ts';
import { chrom } from './chrom.ts';
import { detrendSmoothnessPriors, lambdaForCutoff } from './detrend.ts';
import { green } from './green.ts';
import { pos } from './pos.ts';

export type PulseMethod = 'pos' | 'chrom' | 'green';
export const PULSE_METHODS: readonly PulseMethod[] = ['pos', 'chrom', 'green'];

/** Trend cutoff of the smoothness-priors detrend: below the 0.7 Hz band edge. */
export const DEFAULT_DETREND_CUTOFF_HZ = 0.4;

export interface PulseOptions {
  method?: PulseMethod;
  detrendCutoffHz?: number;
  band?: BandpassOptions;
}

/**
 * Offline pulse extraction from a uniformly sampled RGB trace (interleaved, n frames):
 * method (POS / CHROM / GREEN) -> smoothness-priors detrend -> zero-phase band-pass.
 */
export function extractPulse(rgb: ArrayLike<number>, sampleRate: number, out: Float64Array, options: PulseOptions = {}): Float64Array {
  const n = Math.floor(rgb.length / 3);
  const method = options.method ?? 'pos';
  if (method === 'pos') pos(rgb, sampleRate, out);
  else if (method === 'chrom') chrom(rgb, sampleRate, out, undefined, options.band);
  else green(rgb, sampleRate, out);
  detrendSmoothnessPriors(out, lambdaForCutoff(options.detrendCutoffHz ?? DEFAULT_DETREND_CUTOFF_HZ, sampleRate), out, n);
  bandpassZeroPhase(out, sampleRate, out, options.band, n);
  return out;
}
