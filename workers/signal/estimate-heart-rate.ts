import { SignalError } from './errors.ts';
import { fuseSpectra } from './fusion.ts';
import { DEFAULT_SNR_HALF_WIDTH_HZ, HEART_RATE_BAND, HEART_RATE_SEARCH_BAND, heartRateFromSpectrum, type Band } from './heart-rate.ts';
import { noiseSnrReference } from './noise-reference.ts';
import { DEFAULT_DETREND_CUTOFF_HZ, extractPulse, type PulseMethod, type PulseOptions } from './pulse.ts';
import { assessQuality, DEFAULT_QUALITY_GATE, type QualityGate, type QualityReason } from './quality.ts';
import { estimateFrameRate, resampleLinear, uniformLength } from './resample.ts';
import { createWelchPlan, DEFAULT_SEGMENT_SECONDS, welch, type Spectrum } from './welch.ts';

export interface HeartRateOptions extends PulseOptions {
  /** Uniform rate (Hz) to resample to; default: the median frame rate, clamped to 8..60. */
  sampleRate?: number;
  /** Welch segment length (s). */
  segmentSeconds?: number;
  /** Sub-window length (s) for the temporal-consistency cue; traces shorter than twice this skip it. */
  consistencyWindowSeconds?: number;
  /** Agreement tolerance (bpm) for the consistency cue. */
  consistencyToleranceBpm?: number;
  /** Peak search range; default 42–180 bpm (HEART_RATE_SEARCH_BAND). */
  searchBand?: Band;
  gate?: Partial<QualityGate>;
}

export interface RoiHeartRate {
  bpm: number;
  snr_db: number;
}

export interface HeartRateEstimate {
  /** Beats per minute (NaN when no estimate could be made). */
  bpm: number;
  snr_db: number;
  /** SNR in standard deviations above what white noise reaches in the same configuration. */
  snr_z: number;
  /** Mean SNR of white noise in this configuration (dB). */
  noise_snr_db: number;
  prominence_db: number;
  consistency: number | null;
  confident: boolean;
  /** 0..1; 0.5 near the confidence gate. */
  quality: number;
  reasons: QualityReason[];
  method: PulseMethod;
  sample_rate: number;
  duration_s: number;
  rois: RoiHeartRate[];
}

export const DEFAULT_CONSISTENCY_WINDOW_SECONDS = 10;
export const DEFAULT_CONSISTENCY_TOLERANCE_BPM = 6;

/** Replace non-finite samples (a lost face) by the last valid value so filters do not blow up. */
function sanitize(rgb: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * 3);
  const last = [Number.NaN, Number.NaN, Number.NaN];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = rgb[3 * i + c];
      if (Number.isFinite(v)) last[c] = v;
      out[3 * i + c] = last[c];
    }
  }
  // Leading gaps take the first valid value.
  for (let c = 0; c < 3; c++) {
    let first = Number.NaN;
    for (let i = 0; i < n && !Number.isFinite(first); i++) first = out[3 * i + c];
    for (let i = 0; i < n && !Number.isFinite(out[3 * i + c]); i++) out[3 * i + c] = Number.isFinite(first) ? first : 0;
  }
  return out;
}

function defaultRate(times: ArrayLike<number>): number {
  const r = estimateFrameRate(times);
  if (!Number.isFinite(r)) return 30;
  return Math.min(60, Math.max(8, Math.round(r)));
}

/** Share of sub-windows whose spectral peak agrees with `bpm`. */
function temporalConsistency(pulses: Float64Array[], weights: number[], n: number, sampleRate: number, bpm: number, windowSeconds: number, toleranceBpm: number, band: Band, searchBand: Band): number | null {
  const w = Math.round(windowSeconds * sampleRate);
  if (n < 2 * w) return null;
  const plan = createWelchPlan(w, sampleRate, { segmentSeconds: windowSeconds });
  const step = Math.max(1, Math.round(w / 2));
  let agree = 0, total = 0;
  for (let start = 0; start + w <= n; start += step) {
    const spectra: Spectrum[] = pulses.map((p) => {
      const s = welch(p.subarray(start, start + w), plan);
      return { ...s, psd: s.psd.slice() };
    });
    const fused = spectra.length === 1 ? spectra[0] : fuseSpectra(spectra, weights, band);
    const hr = heartRateFromSpectrum(fused, band, DEFAULT_SNR_HALF_WIDTH_HZ, searchBand);
    total++;
    if (Math.abs(hr.bpm - bpm) <= toleranceBpm) agree++;
  }
  return total ? agree / total : null;
}

/**
 * Heart rate from one or more ROI mean-RGB traces sharing timestamps (ms).
 * Each trace: interleaved [r,g,b] per frame, 0..255. Pipeline per ROI: resample to a uniform rate,
 * POS/CHROM/GREEN, detrend, zero-phase band-pass, Welch PSD; then SNR-weighted spectral fusion,
 * interpolated peak, SNR and a quality gate.
 */
export function estimateHeartRate(times: ArrayLike<number>, rgbTraces: readonly ArrayLike<number>[], options: HeartRateOptions = {}): HeartRateEstimate {
  const frames = times.length;
  if (rgbTraces.length === 0) throw new SignalError('signal_bad_input', 'at least one RGB trace is needed');
  for (const t of rgbTraces) {
    if (t.length < frames * 3) throw new SignalError('signal_bad_input', `an RGB trace has ${t.length} values for ${frames} frames`);
  }
  for (let i = 1; i < frames; i++) {
    if (!(times[i] >= times[i - 1])) throw new SignalError('signal_bad_input', `timestamps must be non-decreasing (index ${i})`);
  }
  const method = options.method ?? 'pos';
  const band: Band = { lowHz: options.band?.lowHz ?? HEART_RATE_BAND.lowHz, highHz: options.band?.highHz ?? HEART_RATE_BAND.highHz };
  const searchBand = options.searchBand ?? HEART_RATE_SEARCH_BAND;
  const gate: QualityGate = { ...DEFAULT_QUALITY_GATE, ...options.gate };
  const sampleRate = options.sampleRate ?? defaultRate(times);
  const n = uniformLength(times, sampleRate);
  const duration = frames > 1 ? (times[frames - 1] - times[0]) / 1000 : 0;
  if (n < Math.max(8, Math.round(2 * sampleRate))) {
    throw new SignalError('signal_too_short', `need at least 2 s of samples, got ${duration.toFixed(2)} s`);
  }
  const plan = createWelchPlan(n, sampleRate, { segmentSeconds: options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS });
  const pulses: Float64Array[] = [];
  const spectra: Spectrum[] = [];
  const rois: RoiHeartRate[] = [];
  const uniform = new Float64Array(n * 3);
  for (const trace of rgbTraces) {
    resampleLinear(times, sanitize(trace, frames), 3, sampleRate, uniform);
    const pulse = extractPulse(uniform, sampleRate, new Float64Array(n), { ...options, method });
    const s = welch(pulse, plan, new Float64Array(plan.nfft / 2 + 1));
    const hr = heartRateFromSpectrum(s, band, DEFAULT_SNR_HALF_WIDTH_HZ, searchBand);
    pulses.push(pulse);
    spectra.push(s);
    rois.push({ bpm: hr.bpm, snr_db: hr.snrDb });
  }
  const weights = rois.map((r) => r.snr_db);
  const fused = spectra.length === 1 ? spectra[0] : fuseSpectra(spectra, weights, band);
  const hr = heartRateFromSpectrum(fused, band, DEFAULT_SNR_HALF_WIDTH_HZ, searchBand);
  const consistency = temporalConsistency(
    pulses, weights, n, sampleRate, hr.bpm,
    options.consistencyWindowSeconds ?? DEFAULT_CONSISTENCY_WINDOW_SECONDS,
    options.consistencyToleranceBpm ?? DEFAULT_CONSISTENCY_TOLERANCE_BPM, band, searchBand,
  );
  const noise = noiseSnrReference({
    n, sampleRate, rois: rgbTraces.length, plan, band, searchBand,
    detrendCutoffHz: options.detrendCutoffHz ?? DEFAULT_DETREND_CUTOFF_HZ, bandpass: options.band,
  });
  const snrZ = (hr.snrDb - noise.meanDb) / noise.sdDb;
  const q = assessQuality({ snrDb: hr.snrDb, snrZ, prominenceDb: hr.prominenceDb, consistency, durationSeconds: duration }, gate);
  return {
    bpm: hr.bpm,
    snr_db: hr.snrDb,
    snr_z: snrZ,
    noise_snr_db: noise.meanDb,
    prominence_db: hr.prominenceDb,
    consistency,
    confident: q.confident,
    quality: q.quality,
    reasons: q.reasons,
    method,
    sample_rate: sampleRate,
    duration_s: duration,
    rois,
  };
}
