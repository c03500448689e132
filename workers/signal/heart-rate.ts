import { DEFAULT_HIGH_HZ, DEFAULT_LOW_HZ } from './biquad/bandpass.ts';
import type { Spectrum } from './welch.ts';

/** Half-width of the signal bands around the peak and its first harmonic: ±6 bpm. */
export const DEFAULT_SNR_HALF_WIDTH_HZ = 0.1;

/**
 * Weight of the second harmonic when ranking candidate peaks. Below 1 on purpose: with w = 1 a
 * pure sinusoid at f would tie with its sub-harmonic f/2 (P(f/2) + P(f) vs P(f) + P(2f)).
 */
export const DEFAULT_HARMONIC_WEIGHT = 0.5;

export interface Band {
  lowHz: number;
  highHz: number;
}

export const HEART_RATE_BAND: Band = { lowHz: DEFAULT_LOW_HZ, highHz: DEFAULT_HIGH_HZ };

/**
 * Where the peak is searched: 42–180 bpm. A person sitting for a verification is at rest; above
 * 180 bpm the band holds mostly noise and the harmonics of lower rates. The SNR still counts
 * noise over the whole 0.7–4 Hz band.
 */
export const HEART_RATE_SEARCH_BAND: Band = { lowHz: DEFAULT_LOW_HZ, highHz: 3 };

export interface SpectralPeak {
  /** Interpolated peak frequency (Hz). */
  hz: number;
  bin: number;
  power: number;
}

function bandBins(s: Spectrum, band: Band): [number, number] {
  const last = s.psd.length - 1;
  const lo = Math.max(1, Math.ceil(band.lowHz / s.binHz));
  const hi = Math.min(last, Math.floor(band.highHz / s.binHz));
  return [lo, hi];
}

/**
 * Highest bin in the band, refined by a parabola through it and its neighbours. With
 * `harmonicWeight` > 0 the bins are ranked by P(f) + w·P(2f) (harmonic summation, Hermes 1988):
 * a blood-volume pulse has a second harmonic, broadband noise does not, so a weak pulse in
 * noise is found more often. The returned power and interpolation use P(f) alone.
 */
export function findPeak(s: Spectrum, band: Band = HEART_RATE_BAND, harmonicWeight = 0): SpectralPeak {
  const [lo, hi] = bandBins(s, band);
  const p = s.psd;
  const last = p.length - 1;
  const score = (i: number): number => {
    if (harmonicWeight <= 0) return p[i];
    const j = 2 * i;
    return p[i] + harmonicWeight * (j <= last ? Math.max(p[j], j > 0 ? p[j - 1] : 0, j < last ? p[j + 1] : 0) : 0);
  };
  let k = lo;
  let best = score(lo);
  for (let i = lo + 1; i <= hi; i++) {
    const v = score(i);
    if (v > best) { best = v; k = i; }
  }
  // Climb to the local maximum of P(f) itself before interpolating.
  while (k > lo && p[k - 1] > p[k]) k--;
  while (k < hi && p[k + 1] > p[k]) k++;
  let delta = 0;
  if (k > 0 && k < last) {
    const a = p[k - 1], b = p[k], c = p[k + 1];
    const den = a - 2 * b + c;
    if (den < 0) delta = Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den));
  }
  return { hz: (k + delta) * s.binHz, bin: k, power: p[k] };
}

/**
 * SNR (dB) as in de Haan & Jeanne 2013: power within ±halfWidth of the peak and of its first
 * harmonic, over the power in the rest of the band.
 */
export function spectralSnrDb(s: Spectrum, peakHz: number, band: Band = HEART_RATE_BAND, halfWidthHz = DEFAULT_SNR_HALF_WIDTH_HZ): number {
  const [lo, hi] = bandBins(s, band);
  let sig = 0, noise = 0;
  for (let k = lo; k <= hi; k++) {
    const f = k * s.binHz;
    if (Math.abs(f - peakHz) <= halfWidthHz || Math.abs(f - 2 * peakHz) <= halfWidthHz) sig += s.psd[k];
    else noise += s.psd[k];
  }
  if (sig <= 0) return -Infinity;
  if (noise <= 0) return Infinity;
  return 10 * Math.log10(sig / noise);
}

/**
 * Ratio (dB) of the main peak over the highest bin outside ±halfWidth of it and of its harmonic
 * and sub-harmonic: how clearly the winner beats the runner-up.
 */
export function peakProminenceDb(s: Spectrum, peakHz: number, band: Band = HEART_RATE_BAND, halfWidthHz = DEFAULT_SNR_HALF_WIDTH_HZ): number {
  const [lo, hi] = bandBins(s, band);
  let top = 0, second = 0;
  for (let k = lo; k <= hi; k++) {
    const f = k * s.binHz;
    const v = s.psd[k];
    if (Math.abs(f - peakHz) <= halfWidthHz) { if (v > top) top = v; continue; }
    if (Math.abs(f - 2 * peakHz) <= halfWidthHz || Math.abs(f - peakHz / 2) <= halfWidthHz) continue;
    if (v > second) second = v;
  }
  if (top <= 0) return -Infinity;
  if (second <= 0) return Infinity;
  return 10 * Math.log10(top / second);
}

export interface SpectralHeartRate {
  bpm: number;
  peakHz: number;
  snrDb: number;
  prominenceDb: number;
}

export function heartRateFromSpectrum(
  s: Spectrum, band: Band = HEART_RATE_BAND, halfWidthHz = DEFAULT_SNR_HALF_WIDTH_HZ, searchBand: Band = HEART_RATE_SEARCH_BAND,
  harmonicWeight = DEFAULT_HARMONIC_WEIGHT,
): SpectralHeartRate {
  const peak = findPeak(s, { lowHz: Math.max(band.lowHz, searchBand.lowHz), highHz: Math.min(band.highHz, searchBand.highHz) }, harmonicWeight);
  return {
    bpm: peak.hz * 60,
    peakHz: peak.hz,
    snrDb: spectralSnrDb(s, peak.hz, band, halfWidthHz),
    prominenceDb: peakProminenceDb(s, peak.hz, band, halfWidthHz),
  };
}
