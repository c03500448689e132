import { createRandom } from './random.ts';
import { bandpassZeroPhase, type BandpassOptions } from './biquad/bandpass.ts';
import { detrendSmoothnessPriors, lambdaForCutoff } from './detrend.ts';
import { fuseSpectra } from './fusion.ts';
import { DEFAULT_SNR_HALF_WIDTH_HZ, heartRateFromSpectrum, type Band } from './heart-rate.ts';
import { welch, type Spectrum, type WelchPlan } from './welch.ts';

/**
 * What SNR does pure noise reach in this exact configuration? Peak picking always finds
 * *some* peak, and how much power it grabs depends on the trace length, the Welch segments and
 * the number of fused ROIs: white noise scores about -5 dB on one 10 s trace but -7.5 dB fused
 * over 64 ROIs. A fixed SNR threshold is therefore too strict for one short trace and too lax
 * for many long ones. This runs the spectral half of the pipeline (detrend, band-pass, Welch,
 * fusion, peak, SNR) on seeded white noise with the same shape and returns the mean and
 * standard deviation of the SNR: the null distribution the confidence gate compares against.
 * Deterministic (fixed seed) so the same evidence always gets the same verdict.
 */

export interface NoiseReference {
  meanDb: number;
  sdDb: number;
  trials: number;
}

export const DEFAULT_NOISE_TRIALS = 8;


export interface NoiseReferenceShape {
  n: number;
  sampleRate: number;
  rois: number;
  plan: WelchPlan;
  band: Band;
  searchBand: Band;
  detrendCutoffHz: number;
  bandpass?: BandpassOptions;
  trials?: number;
  seed?: number;
}

export function noiseSnrReference(shape: NoiseReferenceShape): NoiseReference {
  const { n, sampleRate, rois, plan, band, searchBand } = shape;
  const trials = shape.trials ?? DEFAULT_NOISE_TRIALS;
  const gauss = createRandom(shape.seed ?? 0x5eed).gauss;
  const x = new Float64Array(n);
  const lambda = lambdaForCutoff(shape.detrendCutoffHz, sampleRate);
  const snrs: number[] = [];
  for (let t = 0; t < trials; t++) {
    const spectra: Spectrum[] = [];
    const weights: number[] = [];
    for (let r = 0; r < rois; r++) {
      for (let i = 0; i < n; i++) x[i] = gauss();
      detrendSmoothnessPriors(x, lambda, x);
      bandpassZeroPhase(x, sampleRate, x, shape.bandpass);
      const s = welch(x, plan, new Float64Array(plan.nfft / 2 + 1));
      spectra.push(s);
      weights.push(heartRateFromSpectrum(s, band, DEFAULT_SNR_HALF_WIDTH_HZ, searchBand).snrDb);
    }
    const fused = rois === 1 ? spectra[0] : fuseSpectra(spectra, weights, band);
    snrs.push(heartRateFromSpectrum(fused, band, DEFAULT_SNR_HALF_WIDTH_HZ, searchBand).snrDb);
  }
  const mean = snrs.reduce((a, b) => a + b, 0) / trials;
  const sd = Math.sqrt(snrs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, trials - 1));
  return { meanDb: mean, sdDb: Math.max(sd, 0.1), trials };
}
