// Recomputes the signal evidence of one capture from the raw bundle: the face crops (JPEG) and
// landmarks the page streamed. The client's own numbers are only compared, never used.
import jpeg from 'jpeg-js';
import type { CaptureChunk, FrameRecord } from '../../workers/codec/index.ts';
import { computeCropRoiPolygons } from '../../workers/face/crop-mapping.ts';
import { eyeAspectRatio, eyeClosureFromEar } from '../../workers/face/eye-aspect-ratio.ts';
import { dequantizeLandmarkSubset } from '../../workers/face/landmark-subset.ts';
import { createMotionAnalyzer, type MotionSummary } from '../../workers/face/motion-analysis.ts';
import { createQualityAccumulator, type QualityReport, type QualityThresholds } from '../../workers/face/quality-gates.ts';
import { createRoiPolygons } from '../../workers/face/roi-polygons.ts';
import { sampleRoiMeans } from '../../workers/face/roi-sampling.ts';
import { classifyRepeats, type RepeatReport } from './repeats.ts';
import { createConsistencyAccumulator, type ConsistencyResult } from './consistency.ts';
import { CONTEXT_MIN_CORRELATION, contextLightChallenge } from './context-light.ts';
import { differenceHash } from './perceptual-hash.ts';
import type { CapturePlan } from '../../workers/protocol/index.ts';
import { estimateHeartRate, scoreLightChallenge, type HeartRateEstimate, type LightChallengeOptions, type LightChallengeResult, type LightChallengeStep, type PulseMethod } from '../../workers/signal/index.ts';

export interface EvidenceInput {
  chunks: CaptureChunk[];
  plan: Pick<CapturePlan, 'duration_ms' | 'fps' | 'face_crop_size' | 'context_crop_scale'>;
  /** Frame size the page captured at (from the device profile); geometry only. */
  frame: { width: number; height: number };
  /** The steps the capture is scored on (light-schedule.ts) and the scorer's options. */
  lightChallenge: { schedule: LightChallengeStep[]; options?: LightChallengeOptions } | null;
  /** Server clock: how long the server saw the attempt run (start to finish), ms. */
  serverElapsedMs: number;
  /** What every chunk must name (the attempt the server started); checked again here. */
  binding?: { session_id: string; attempt_id: string; nonce: string };
  /** The page's own heart rate (client_summary): compared, never used. */
  clientHeartRateBpm?: number | null;
  /** Quality-gate overrides (the policy's min_face_present_ratio arrives here). */
  quality?: Partial<QualityThresholds>;
}

export interface IntegrityResult {
  passed: boolean;
  reasons: string[];
  frames: number;
  duration_ms: number;
  fps: number;
  /** Frames whose crop repeats an earlier one (any kind; see `repeats`). */
  duplicate_crops: number;
  /** What the repeated crops look like: camera artefacts or a frozen / replayed feed. */
  repeats: RepeatReport;
  /**
   * Camera artefacts seen (quality signals, never tampering): `repeated_frames` (isolated
   * repeats or a frame-rate conversion), `variable_frame_rate` (frame intervals vary by more
   * than a third), `low_distinct_rate` (new content below 14 fps).
   */
  artefacts: string[];
}

export interface PulseResult {
  heart_rate_bpm: number | null;
  snr_db: number;
  /**
   * SNR in standard deviations above white noise fused the same way (workers/signal
   * noise-reference.ts): the number the policy's `pulse_min_snr_z` gates on.
   */
  snr_z: number;
  /** The extraction that found the stronger pulse (PULSE_METHODS_SERVER). */
  method: PulseMethod | null;
  /**
   * Server trace vs the client's ROI trace (fusion decides on `agreement` with the policy):
   * correlation of the detrended green traces, the median level gap (0..255) of the nine ROI
   * means, and the client's own heart rate from its numbers.
   */
  trace_correlation: number | null;
  level_gap: number | null;
  client_heart_rate_bpm: number | null;
  frames_compared: number;
}

export interface FrameEvidence {
  integrity: IntegrityResult;
  quality: QualityReport;
  pulse: PulseResult;
  motion: MotionSummary;
  light_challenge: LightChallengeResult | null;
  /** Whether the crops, landmarks and ROI numbers hold together (failures are also in integrity). */
  consistency?: ConsistencyResult;
  /** Difference hash of each decoded face crop, for the replay fingerprint (fingerprint.ts). */
  crop_dhashes?: string[];
  /** Server-measured face mean RGB per frame (for diagnostics and the lab). */
  timings_ms: Record<string, number>;
}

/**
 * The pulse is searched in the three landmark ROIs plus a GRID x GRID grid of cells over the whole
 * face crop, fused by SNR (the fusion weights down cells of hair, background or moving edges).
 * On 6 s captures of compressed video the three small ROIs alone rarely clear the noise
 * (docs/CALIBRATION.md); the cells add skin the landmark polygons leave out.
 */
export const PULSE_GRID = 4;
/**
 * Both extractions run and the stronger one counts: GREEN is the most sensitive on a still face,
 * POS rejects the intensity changes of motion. Taking the better of two raises the noise floor a
 * little; the policy's z threshold is calibrated with this in place (docs/CALIBRATION.md).
 */
export const PULSE_METHODS_SERVER: readonly PulseMethod[] = ['pos', 'green'];
/**
 * Exposure the checks need, not what looks good: a dim face is a quality signal the fusion weighs
 * (a weak pulse scores low by itself), and only a face too dark for any check to work is sent
 * back. Measured on the recordings (docs/CALIBRATION.md): a webcam face at median crop luma 46
 * still gave pulse z 7.6 and CNN 0.996; the page's guidance keeps its own, stricter coaching.
 */
const EXPOSURE_NEEDED_BY_CHECKS: Partial<QualityThresholds> = { minMeanLuma: 25, maxDarkShare: 0.75 };
/** Upload and request latency between the page's t = 0 and the server's start, and after the last frame. */
const TIMING_TOLERANCE_MS = 2500;
const MIN_COVERAGE = 0.6;
/** Every how many frames the sharpness/exposure gate measures a crop (medians need no more). */
const QUALITY_CROP_STRIDE = 3;
/**
 * Server-side timing gates. The server resamples by timestamp, so uneven delivery from a busy
 * browser (jitter CV up to ~0.9 measured on a loaded 2-core machine) is no reason to burn an
 * attempt; long gaps still are.
 */
export const SERVER_QUALITY_OVERRIDES: Partial<QualityThresholds> = { maxJitterCv: 1.0, maxFrameGapMs: 500, ...EXPOSURE_NEEDED_BY_CHECKS };

function frameList(chunks: CaptureChunk[]): FrameRecord[] {
  return [...chunks].sort((a, b) => a.seq - b.seq).flatMap((c) => c.frames);
}

/** Integrity: complete, monotonic, plausible against the server's own clock, no copied frames. */
export function checkIntegrity(
  frames: FrameRecord[],
  input: Pick<EvidenceInput, 'plan' | 'serverElapsedMs' | 'binding'>,
  chunks: readonly Pick<CaptureChunk, 'seq' | 'session_id' | 'attempt_id' | 'nonce'>[] = [],
): IntegrityResult {
  const reasons: string[] = [];
  // Sequence: 0..n-1 with no gap or repeat (the capture API checks the count; this checks the set).
  const seqs = chunks.map((c) => c.seq).sort((a, b) => a - b);
  if (seqs.some((seq, i) => seq !== i)) reasons.push('sequence_incomplete');
  const b = input.binding;
  if (b && chunks.some((c) => c.session_id !== b.session_id || c.attempt_id !== b.attempt_id || c.nonce !== b.nonce)) reasons.push('chunk_binding_mismatch');
  let nonMonotonic = 0;
  for (let i = 1; i < frames.length; i++) if (!(frames[i].t > frames[i - 1].t)) nonMonotonic++;
  if (nonMonotonic > 0) reasons.push('timestamps_not_monotonic');
  const duration = frames.length > 1 ? frames[frames.length - 1].t - frames[0].t : 0;
  if (frames.length < 2 || duration < input.plan.duration_ms * MIN_COVERAGE) reasons.push('capture_too_short');
  // The page cannot have captured for longer than the server saw the attempt running.
  if (frames.length > 0 && frames[frames.length - 1].t > input.serverElapsedMs + TIMING_TOLERANCE_MS) reasons.push('timestamps_exceed_server_clock');
  const fps = duration > 0 ? ((frames.length - 1) * 1000) / duration : 0;
  if (fps > input.plan.fps * 1.25 + 2) reasons.push('frame_rate_above_plan');
  // Repeated crops: a camera repeats a frame now and then (quality signal); a frozen feed or a
  // replayed run of earlier frames is injected evidence (repeats.ts).
  const repeats = classifyRepeats(frames);
  if (repeats.kind === 'frozen' || repeats.kind === 'replayed_sequence') reasons.push('duplicated_frames');
  const artefacts: string[] = [];
  if (repeats.adjacent > 0) artefacts.push('repeated_frames');
  if (frameIntervalCv(frames) > 1 / 3) artefacts.push('variable_frame_rate');
  if (frames.length > 1 && repeats.distinct_fps < 14) artefacts.push('low_distinct_rate');
  return { passed: reasons.length === 0, reasons, frames: frames.length, duration_ms: duration, fps, duplicate_crops: repeats.adjacent + repeats.recurring, repeats, artefacts };
}

function frameIntervalCv(frames: readonly FrameRecord[]): number {
  if (frames.length < 3) return 0;
  const d: number[] = [];
  for (let i = 1; i < frames.length; i++) d.push(frames[i].t - frames[i - 1].t);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return mean > 0 ? sd / mean : 0;
}

function decodeCrop(bytes: Uint8Array): { data: Uint8Array; width: number; height: number } | null {
  try {
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 1, maxMemoryUsageInMB: 64 });
    return { data: image.data, width: image.width, height: image.height };
  } catch {
    return null;
  }
}

function pearson(a: number[], b: number[]): number | null {
  const n = Math.min(a.length, b.length);
  if (n < 10) return null;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) (ma += a[i]), (mb += b[i]);
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

/**
 * Least-squares line removed: both sides see the same pixels, so their slow illumination and
 * motion changes must line up; first differences would leave mostly JPEG noise to compare.
 */
function detrend(values: number[]): number[] {
  const n = values.length;
  if (n < 2) return values.slice();
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) (sx += i), (sy += values[i]), (sxx += i * i), (sxy += i * values[i]);
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx || 1);
  const icept = (sy - slope * sx) / n;
  return values.map((v, i) => v - (icept + slope * i));
}

/** Mean absolute difference (0..255) between the server's and the client's ROI means. */
function levelGap(means: Float32Array, counts: Uint32Array, roi: Float32Array): number {
  let sum = 0, n = 0;
  for (let k = 0; k < 3; k++) {
    if (counts[k] === 0) continue;
    for (let c = 0; c < 3; c++) sum += Math.abs(means[3 * k + c] - roi[3 * k + c]);
    n += 3;
  }
  return n ? sum / n : Number.NaN;
}

function medianOf(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function analyseFrameEvidence(input: EvidenceInput): FrameEvidence {
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = now - mark;
    mark = now;
  };

  const frames = frameList(input.chunks);
  const integrity = checkIntegrity(frames, input, input.chunks);
  lap('integrity');

  const { width, height } = input.frame;
  const cropSize = input.plan.face_crop_size;
  const quality = createQualityAccumulator();
  const motion = createMotionAnalyzer();
  const consistency = createConsistencyAccumulator();
  const polygons = createRoiPolygons();
  const means = new Float32Array(9);
  const counts = new Uint32Array(3);
  let landmarks: Float32Array | null = null;
  let previous: Float32Array | null = null;
  let havePolygons = false;
  const previousPolygons = createRoiPolygons();
  const previousMeans = new Float32Array(9);
  const previousCounts = new Uint32Array(3);

  const times: number[] = [];
  const roiTraces: number[][] = Array.from({ length: 3 + PULSE_GRID * PULSE_GRID }, () => []);
  const faceRgb: number[] = [];
  const clientGreen: number[] = [];
  const serverGreen: number[] = [];
  const levelGaps: number[] = [];
  let decodeFailures = 0;
  const dhashes: string[] = [];

  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    if (frame.lm) {
      previous = landmarks;
      landmarks = dequantizeLandmarkSubset(frame.lm);
      consistency.addLandmarks(frame.lm);
      motion.addLandmarks(frame.t, landmarks, width, height);
      motion.addEyeClosure(frame.t, eyeClosureFromEar(eyeAspectRatio(landmarks, width, height)));
    }
    const hasFace = frame.box[2] > 0 && frame.box[3] > 0;
    // The crop follows this frame's box; the polygons follow the latest landmarks (carried over
    // between landmark frames, as the page does), mapped into this frame's crop.
    havePolygons = landmarks !== null && hasFace && computeCropRoiPolygons(landmarks, frame.box, width, height, cropSize, polygons);
    const crop = decodeCrop(frame.crop);
    if (!crop) decodeFailures++;
    else dhashes.push(differenceHash(crop.data, crop.width, crop.height));
    quality.addFrame({
      tMs: frame.t,
      faceBox: hasFace ? frame.box : null,
      frameWidth: width,
      frameHeight: height,
      crop: crop && crop.width === crop.height && i % QUALITY_CROP_STRIDE === 0 ? { rgba: crop.data, size: crop.width } : null,
    });
    const sampled = crop !== null && crop.width === cropSize && crop.height === cropSize && i % QUALITY_CROP_STRIDE === 0;
    if (sampled) consistency.addCrop(crop.data, cropSize);
    if (!crop || !havePolygons || crop.width !== cropSize) continue;
    sampleRoiMeans(crop.data, crop.width, crop.height, polygons, means, counts);
    // The page applies a new landmark result a few frames after the frame it came from (its
    // landmark worker runs asynchronously), so its ROI numbers may still use the previous
    // geometry: for the comparison only, the closer of the two geometries counts.
    let cmpMeans = means, cmpCounts = counts;
    if (previous && computeCropRoiPolygons(previous, frame.box, width, height, cropSize, previousPolygons)) {
      sampleRoiMeans(crop.data, crop.width, crop.height, previousPolygons, previousMeans, previousCounts);
      if (levelGap(previousMeans, previousCounts, frame.roi) < levelGap(means, counts, frame.roi)) (cmpMeans = previousMeans), (cmpCounts = previousCounts);
    }
    let r = 0, g = 0, b = 0, total = 0, cg = 0, ct = 0;
    for (let k = 0; k < 3; k++) {
      const has = counts[k] > 0;
      roiTraces[k].push(has ? means[3 * k] : Number.NaN, has ? means[3 * k + 1] : Number.NaN, has ? means[3 * k + 2] : Number.NaN);
      cg += cmpMeans[3 * k + 1] * cmpCounts[k];
      ct += cmpCounts[k];
      r += means[3 * k] * counts[k];
      g += means[3 * k + 1] * counts[k];
      b += means[3 * k + 2] * counts[k];
      total += counts[k];
    }
    sampleGridMeans(crop.data, cropSize, roiTraces, 3);
    times.push(frame.t);
    faceRgb.push(total ? r / total : Number.NaN, total ? g / total : Number.NaN, total ? b / total : Number.NaN);
    if (sampled && landmarks) consistency.addEyes(crop.data, cropSize, landmarks, frame.box, input.frame);
    serverGreen.push(ct ? cg / ct : Number.NaN);
    clientGreen.push((frame.roi[1] * frame.skin[0] + frame.roi[4] * frame.skin[1] + frame.roi[7] * frame.skin[2]) / (frame.skin[0] + frame.skin[1] + frame.skin[2] || Number.NaN));
    const gap = levelGap(cmpMeans, cmpCounts, frame.roi);
    if (Number.isFinite(gap)) levelGaps.push(gap);
  }
  lap('decode_roi_quality_motion');
  if (decodeFailures > frames.length * 0.1) {
    integrity.reasons.push('crops_undecodable');
    integrity.passed = false;
  }

  const qualityReport = quality.evaluate({ ...SERVER_QUALITY_OVERRIDES, ...input.quality });
  const motionSummary = motion.summary();

  const estimate = times.length >= 30 ? strongestPulse(times, roiTraces) : null;
  lap('pulse');
  const paired = serverGreen.map((v, i) => [v, clientGreen[i]]).filter(([a, c]) => Number.isFinite(a) && Number.isFinite(c));
  const correlation = pearson(detrend(paired.map((p) => p[0])), detrend(paired.map((p) => p[1])));
  const bpm = estimate && Number.isFinite(estimate.bpm) ? estimate.bpm : null;
  const clientBpm = typeof input.clientHeartRateBpm === 'number' && Number.isFinite(input.clientHeartRateBpm) ? input.clientHeartRateBpm : null;
  const pulse: PulseResult = {
    heart_rate_bpm: bpm,
    snr_db: estimate?.snr_db ?? -Infinity,
    snr_z: estimate?.snr_z ?? -Infinity,
    method: estimate?.method ?? null,
    trace_correlation: correlation,
    level_gap: levelGaps.length ? medianOf(levelGaps) : null,
    client_heart_rate_bpm: clientBpm,
    frames_compared: paired.length,
  };

  const consistencyResult = consistency.result(pulse.level_gap);
  if (!consistencyResult.passed) {
    integrity.reasons.push(...consistencyResult.reasons);
    integrity.passed = false;
  }

  let lightChallenge: LightChallengeResult | null = null;
  if (input.lightChallenge) {
    // Frame times and the schedule share one clock: ms since the capture started.
    lightChallenge = scoreLightChallenge(input.lightChallenge.schedule, times, faceRgb, input.lightChallenge.options);
    // The context crops' face must have answered too (context-light.ts).
    const scale = input.plan.context_crop_scale;
    const context = lightChallenge.passed ? contextLightChallenge(input.lightChallenge.schedule, input.chunks, scale, input.lightChallenge.options) : null;
    if (lightChallenge.passed && !context) Object.assign(lightChallenge, { passed: false, reason: 'context_missing' });
    if (context) {
      lightChallenge.context_correlation = context.correlation;
      if (context.correlation < CONTEXT_MIN_CORRELATION) Object.assign(lightChallenge, { passed: false, reason: 'context_disagrees' });
    }
  }
  lap('light_challenge');

  return { integrity, quality: qualityReport, pulse, motion: motionSummary, light_challenge: lightChallenge, consistency: consistencyResult, crop_dhashes: dhashes, timings_ms: timings };
}

/** Mean RGB of each cell of a size x size RGBA crop, appended to traces[first..]. */
function sampleGridMeans(rgba: Uint8Array, size: number, traces: number[][], first: number): void {
  const cell = Math.floor(size / PULSE_GRID);
  for (let gy = 0; gy < PULSE_GRID; gy++) {
    for (let gx = 0; gx < PULSE_GRID; gx++) {
      let r = 0, g = 0, b = 0;
      for (let y = gy * cell; y < (gy + 1) * cell; y++) {
        for (let x = gx * cell, o = (y * size + x) * 4; x < (gx + 1) * cell; x++, o += 4) (r += rgba[o]), (g += rgba[o + 1]), (b += rgba[o + 2]);
      }
      const n = cell * cell;
      traces[first + gy * PULSE_GRID + gx].push(r / n, g / n, b / n);
    }
  }
}

/** The estimate with the higher noise-referenced SNR over PULSE_METHODS_SERVER (null: none possible). */
function strongestPulse(times: number[], traces: number[][]): HeartRateEstimate | null {
  let best: HeartRateEstimate | null = null;
  for (const method of PULSE_METHODS_SERVER) {
    try {
      const estimate = estimateHeartRate(times, traces, { method });
      if (!best || estimate.snr_z > best.snr_z) best = estimate;
    } catch {
      // too short or degenerate: the other method may still answer
    }
  }
  return best;
}
