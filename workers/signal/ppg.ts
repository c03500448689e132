import { bandpassZeroPhase } from './biquad/bandpass.ts';
import { detrendSmoothnessPriors, lambdaForCutoff } from './detrend.ts';
import { heartRateFromSpectrum, type SpectralHeartRate } from './heart-rate.ts';
import { DEFAULT_DETREND_CUTOFF_HZ } from './pulse.ts';
import { estimateFrameRate, resampleLinear, uniformLength } from './resample.ts';
import { welchPsd } from './welch.ts';

/**
 * Heart rate of a one-dimensional pulse signal (a contact PPG, or an rPPG trace already reduced
 * to one channel) with the same spectral method as the camera pulse: resample, detrend,
 * band-pass, Welch, interpolated peak. Used to derive reference rates per window.
 */
export function estimateSignalHeartRate(times: ArrayLike<number>, values: ArrayLike<number>, options: { sampleRate?: number; segmentSeconds?: number } = {}): SpectralHeartRate {
  const fs = options.sampleRate ?? Math.min(60, Math.max(8, Math.round(estimateFrameRate(times) || 30)));
  const n = uniformLength(times, fs);
  const x = resampleLinear(times, values, 1, fs, new Float64Array(n));
  detrendSmoothnessPriors(x, lambdaForCutoff(DEFAULT_DETREND_CUTOFF_HZ, fs), x);
  bandpassZeroPhase(x, fs, x);
  return heartRateFromSpectrum(welchPsd(x, fs, { segmentSeconds: options.segmentSeconds ?? 10 }));
}
