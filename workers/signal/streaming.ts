import { createCausalBandpass, type BandpassOptions, type CausalBandpass } from './biquad/bandpass.ts';
import { SignalError } from './errors.ts';
import { fuseSpectra } from './fusion.ts';
import { DEFAULT_SNR_HALF_WIDTH_HZ, HEART_RATE_BAND, HEART_RATE_SEARCH_BAND, heartRateFromSpectrum, type Band } from './heart-rate.ts';
import { noiseSnrReference, type NoiseReference } from './noise-reference.ts';
import { posWindow, posWindowLength } from './pos.ts';
import { DEFAULT_DETREND_CUTOFF_HZ } from './pulse.ts';
import { assessQuality, DEFAULT_QUALITY_GATE, type QualityGate, type QualityReason } from './quality.ts';
import { createWelchPlan, welch, type Spectrum, type WelchPlan } from './welch.ts';

/**
 * Streaming heart rate for the capture page: frames are pushed as they come; the pulse is built
 * incrementally (resample on the fly, sliding-window POS with overlap-add, causal band-pass), and
 * `estimate()` recomputes the spectrum at most once per `updateSeconds` over the last
 * `windowSeconds`. push() allocates nothing; its cost is O(POS window) per uniform sample.
 * A sample is final once the last POS window covering it has been added (1.6 s later); so that
 * short captures (6 s) are not cut by that delay, estimate() also uses the newest, not yet final
 * samples, scaled by how many windows they have received and filtered on a copy of the filter state.
 */

export const DEFAULT_STREAM_SAMPLE_RATE = 30;
export const DEFAULT_STREAM_WINDOW_SECONDS = 10;
export const DEFAULT_STREAM_UPDATE_SECONDS = 1;
export const DEFAULT_STREAM_MIN_SECONDS = 6;

export interface PulseEstimatorOptions {
  /** Uniform processing rate (Hz). */
  sampleRate?: number;
  /** Analysis window (s), 6–10 s. */
  windowSeconds?: number;
  /** Minimum spacing (s) between two spectral updates. */
  updateSeconds?: number;
  /** Pulse seconds needed before the first estimate. */
  minSeconds?: number;
  /** Number of ROIs; push() then takes 3·rois values per frame. */
  rois?: number;
  band?: BandpassOptions;
  searchBand?: Band;
  gate?: Partial<QualityGate>;
}

export interface StreamingHeartRate {
  bpm: number;
  snr_db: number;
  /** SNR in standard deviations above white noise in the same configuration. */
  snr_z: number;
  confident: boolean;
  quality: number;
  reasons: QualityReason[];
  method: 'pos';
  /** Timestamp (ms) of the newest pulse sample the estimate covers. */
  t_ms: number;
  /** Seconds of pulse the estimate covers. */
  window_s: number;
}

export interface PulseEstimator {
  /** One camera frame: its timestamp (ms) and mean RGB per ROI ([r,g,b] × rois). */
  push(tMs: number, rgb: ArrayLike<number>): void;
  /** The latest estimate (recomputed when ≥ updateSeconds of new pulse arrived), or null while warming up. */
  estimate(): StreamingHeartRate | null;
  reset(): void;
  /** Pulse samples available for the next estimate. */
  readonly pulseSamples: number;
}

interface RoiState {
  posRing: Float64Array; // l frames × 3
  acc: Float64Array; // overlap-add accumulator, l slots
  pulse: Float64Array; // ring of band-passed pulse, W slots
  filter: CausalBandpass;
}

export function createPulseEstimator(options: PulseEstimatorOptions = {}): PulseEstimator {
  const fs = options.sampleRate ?? DEFAULT_STREAM_SAMPLE_RATE;
  const windowSeconds = options.windowSeconds ?? DEFAULT_STREAM_WINDOW_SECONDS;
  const updateSeconds = options.updateSeconds ?? DEFAULT_STREAM_UPDATE_SECONDS;
  const minSeconds = Math.min(options.minSeconds ?? DEFAULT_STREAM_MIN_SECONDS, windowSeconds);
  const rois = options.rois ?? 1;
  if (!(fs >= 8 && fs <= 120)) throw new SignalError('signal_bad_option', `sampleRate must be 8..120 Hz, got ${fs}`);
  if (!(windowSeconds >= 4)) throw new SignalError('signal_bad_option', `windowSeconds must be >= 4, got ${windowSeconds}`);
  if (!(Number.isInteger(rois) && rois >= 1)) throw new SignalError('signal_bad_option', `rois must be a positive integer, got ${rois}`);
  const band: Band = { lowHz: options.band?.lowHz ?? HEART_RATE_BAND.lowHz, highHz: options.band?.highHz ?? HEART_RATE_BAND.highHz };
  const searchBand = options.searchBand ?? HEART_RATE_SEARCH_BAND;
  const gate: QualityGate = { ...DEFAULT_QUALITY_GATE, ...options.gate };
  const l = posWindowLength(fs);
  const W = Math.round(windowSeconds * fs);
  const minSamples = Math.round(minSeconds * fs);
  const updateSamples = Math.max(1, Math.round(updateSeconds * fs));
  // Samples dropped at the start while the causal band-pass settles. POS output is zero-mean by
  // construction (each window's h has its mean removed), so there is no step to ring on: measured
  // on vipl and the synthetic tests, dropping 1 s changed nothing but the first estimate's delay.
  const warmup = 0;
  const step = 1000 / fs;

  const state: RoiState[] = Array.from({ length: rois }, () => ({
    posRing: new Float64Array(3 * l),
    acc: new Float64Array(l),
    pulse: new Float64Array(W),
    filter: createCausalBandpass(fs, options.band),
  }));
  const window = new Float64Array(3 * l);
  const h = new Float64Array(l);
  const s2 = new Float64Array(l);
  const prevRgb = new Float64Array(3 * rois);
  const linear = new Float64Array(W);
  const tail = new Float64Array(l);
  const plans = new Map<number, WelchPlan>();
  const noiseRefs = new Map<number, NoiseReference>();
  const psds: Float64Array[][] = [];

  let prevT = Number.NaN;
  let gridT = Number.NaN; // next uniform grid time
  let k = 0; // uniform samples seen
  let finalized = 0; // pulse samples out of the filter (after warm-up)
  let lastUpdateAt = -Infinity;
  let lastT = Number.NaN; // time of newest uniform sample
  let latest: StreamingHeartRate | null = null;

  function uniformSample(t: number, w: number, rgb: ArrayLike<number>): void {
    const slot = k % l;
    for (let r = 0; r < rois; r++) {
      const st = state[r];
      for (let c = 0; c < 3; c++) {
        const a = prevRgb[3 * r + c];
        st.posRing[3 * slot + c] = a + (rgb[3 * r + c] - a) * w;
      }
    }
    if (k >= l - 1) {
      const first = k - l + 1;
      for (let r = 0; r < rois; r++) {
        const st = state[r];
        for (let i = 0; i < l; i++) {
          const src = 3 * ((first + i) % l);
          window[3 * i] = st.posRing[src]; window[3 * i + 1] = st.posRing[src + 1]; window[3 * i + 2] = st.posRing[src + 2];
        }
        posWindow(window, 0, l, h, s2);
        for (let i = 0; i < l; i++) st.acc[(first + i) % l] += h[i];
        // Sample `first` is in no later window: it is final.
        const slotFinal = first % l;
        const y = st.filter.process(st.acc[slotFinal]);
        st.acc[slotFinal] = 0;
        if (first >= warmup) st.pulse[(first - warmup) % W] = y;
      }
      if (first >= warmup) finalized = first - warmup + 1;
    }
    lastT = t;
    k++;
  }

  function push(tMs: number, rgb: ArrayLike<number>): void {
    if (!Number.isFinite(tMs) || rgb.length < 3 * rois) return;
    for (let i = 0; i < 3 * rois; i++) if (!Number.isFinite(rgb[i])) return;
    if (Number.isNaN(prevT)) {
      prevT = tMs; gridT = tMs;
      for (let i = 0; i < 3 * rois; i++) prevRgb[i] = rgb[i];
    }
    if (tMs < prevT) return; // out of order: drop
    while (gridT <= tMs) {
      const w = tMs > prevT ? (gridT - prevT) / (tMs - prevT) : 1;
      uniformSample(gridT, w, rgb);
      gridT += step;
    }
    prevT = tMs;
    for (let i = 0; i < 3 * rois; i++) prevRgb[i] = rgb[i];
  }

  function estimate(): StreamingHeartRate | null {
    // Provisional tail: samples k-l+1 .. k-1 hold partial overlap-add sums.
    const pending = finalized > 0 ? l - 1 : 0;
    const total = finalized + pending;
    if (total < minSamples) return null;
    if (latest && total - lastUpdateAt < updateSamples) return latest;
    const n = Math.min(total, W);
    const nFinal = n - pending;
    let plan = plans.get(n);
    if (!plan) { plan = createWelchPlan(n, fs, { segmentSeconds: n / fs }); plans.set(n, plan); }
    const spectra: Spectrum[] = [];
    const snrs: number[] = [];
    for (let r = 0; r < rois; r++) {
      const st = state[r];
      const start = finalized - nFinal;
      for (let i = 0; i < nFinal; i++) linear[i] = st.pulse[(start + i) % W];
      for (let j = 0; j < pending; j++) tail[j] = (st.acc[(k - l + 1 + j) % l] * l) / (l - 1 - j);
      st.filter.preview(tail, pending, linear, nFinal);
      psds[r] ??= [];
      const buf = (psds[r][n] ??= new Float64Array(plan.nfft / 2 + 1));
      const s = welch(linear, plan, buf, n);
      spectra.push(s);
      snrs.push(heartRateFromSpectrum(s, band, DEFAULT_SNR_HALF_WIDTH_HZ, searchBand).snrDb);
    }
    const fused = rois === 1 ? spectra[0] : fuseSpectra(spectra, snrs, band);
    const hr = heartRateFromSpectrum(fused, band, DEFAULT_SNR_HALF_WIDTH_HZ, searchBand);
    let noise = noiseRefs.get(n);
    if (!noise) {
      noise = noiseSnrReference({ n, sampleRate: fs, rois, plan, band, searchBand, detrendCutoffHz: DEFAULT_DETREND_CUTOFF_HZ, bandpass: options.band });
      noiseRefs.set(n, noise);
    }
    const snrZ = (hr.snrDb - noise.meanDb) / noise.sdDb;
    const q = assessQuality({ snrDb: hr.snrDb, snrZ, prominenceDb: hr.prominenceDb, consistency: null, durationSeconds: n / fs }, gate);
    lastUpdateAt = total;
    latest = {
      bpm: hr.bpm, snr_db: hr.snrDb, snr_z: snrZ, confident: q.confident, quality: q.quality, reasons: q.reasons,
      method: 'pos', t_ms: lastT, window_s: n / fs,
    };
    return latest;
  }

  function reset(): void {
    for (const st of state) { st.posRing.fill(0); st.acc.fill(0); st.pulse.fill(0); st.filter.reset(); }
    prevT = Number.NaN; gridT = Number.NaN; k = 0; finalized = 0; lastUpdateAt = -Infinity; lastT = Number.NaN; latest = null;
  }

  return {
    push, estimate, reset,
    get pulseSamples() { return finalized > 0 ? Math.min(finalized + l - 1, W) : 0; },
  };
}
