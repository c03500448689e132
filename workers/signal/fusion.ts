import { HEART_RATE_BAND, type Band } from './heart-rate.ts';
import type { Spectrum } from './welch.ts';

/**
 * SNR-weighted fusion of the spectra of several ROI traces (forehead, cheeks).
 * Each PSD is first normalised to unit power in the heart-rate band so a bright or large ROI
 * does not dominate by scale, then weighted by its linear SNR: a ROI whose pulse stands out
 * counts more, one that is mostly noise counts little. Fusing spectra rather than waveforms
 * needs no phase alignment between regions and tolerates traces of different lengths.
 */
export function snrWeight(snrDb: number): number {
  if (!Number.isFinite(snrDb)) return snrDb > 0 ? 1e3 : 0;
  return Math.pow(10, snrDb / 10);
}

export function fuseSpectra(spectra: readonly Spectrum[], snrDb: readonly number[], band: Band = HEART_RATE_BAND, out?: Float64Array): Spectrum {
  const first = spectra[0];
  const bins = first.psd.length;
  const psd = out ?? new Float64Array(bins);
  psd.fill(0, 0, bins);
  const lo = Math.max(1, Math.ceil(band.lowHz / first.binHz));
  const hi = Math.min(bins - 1, Math.floor(band.highHz / first.binHz));
  let wsum = 0;
  spectra.forEach((s, i) => {
    if (s.psd.length !== bins) throw new Error('fuseSpectra: spectra must share nfft and rate');
    let power = 0;
    for (let k = lo; k <= hi; k++) power += s.psd[k];
    const w = snrWeight(snrDb[i]);
    if (power <= 0 || w <= 0) return;
    const scale = w / power;
    for (let k = 0; k < bins; k++) psd[k] += s.psd[k] * scale;
    wsum += w;
  });
  if (wsum > 0) for (let k = 0; k < bins; k++) psd[k] /= wsum;
  return { psd, binHz: first.binHz, sampleRate: first.sampleRate, nfft: first.nfft, segments: first.segments };
}

/** Weighted sum of equal-length pulse waveforms, each scaled to unit standard deviation. */
export function fusePulses(pulses: readonly Float64Array[], snrDb: readonly number[], out: Float64Array, n = out.length): Float64Array {
  out.fill(0, 0, n);
  pulses.forEach((p, i) => {
    let m = 0, v = 0;
    for (let k = 0; k < n; k++) m += p[k];
    m /= n;
    for (let k = 0; k < n; k++) v += (p[k] - m) ** 2;
    const sd = Math.sqrt(v / n);
    const w = snrWeight(snrDb[i]);
    if (sd > 0 && w > 0) for (let k = 0; k < n; k++) out[k] += (w * (p[k] - m)) / sd;
  });
  return out;
}
