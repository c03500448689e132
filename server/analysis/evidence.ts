// Recomputes the signal evidence of one capture from the raw bundle: the face crops (JPEG) and
// landmarks the page streamed. The client's own numbers are only compared, never used.
import jpeg from 'jpeg-js';
import type { CaptureChunk, FrameRecord } from '../../workers/codec/index.ts';
import { compareClientTrace, createEvidenceSampler, type DecodedCrop } from '../../workers/face/evidence-sampling.ts';
import { eyeAspectRatio, eyeClosureFromEar } from '../../workers/face/eye-aspect-ratio.ts';
import { createMotionAnalyzer, type MotionSummary } from '../../workers/face/motion-analysis.ts';
import { createQualityAccumulator, type QualityReport } from '../../workers/face/quality-gates.ts';
import { EVIDENCE_GATES, evidenceQualityThresholds, type Thresholds } from '../policies/defaults.ts';
import { classifyRepeats, type RepeatReport } from './repeats.ts';
import { createConsistencyAccumulator, type ConsistencyResult } from './consistency.ts';
import { CONTEXT_MIN_CORRELATION, contextLightChallenge } from './context-light.ts';
import { differenceHash } from './perceptual-hash.ts';
import type { CapturePlan } from '../../workers/protocol/index.ts';
import { scoreLightChallenge, strongestPulse, type LightChallengeOptions, type LightChallengeResult, type LightChallengeStep, type PulseMethod } from '../../workers/signal/index.ts';

export interface EvidenceInput {
  chunks: CaptureChunk[];
  plan: Pick<CapturePlan, 'duration_ms' | 'fps' | 'face_crop_size' | 'context_crop_scale' | 'extension_ms'>;
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
  /**
   * The policy's thresholds, handed to the analysis once: the quality gate here takes its
   * face-presence share from them (policies/defaults.ts evidenceQualityThresholds), the fusion
   * the rest.
   */
  thresholds: Thresholds;
}

export interface IntegrityResult {
  passed: boolean;
  reasons: string[];
  frames: number;
  duration_ms: number;
  /** How far the capture ran past its planned duration (adaptive capture length; 0: not extended). */
  extended_ms: number;
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
  /** The extraction that found the stronger pulse (STRONGEST_PULSE_METHODS, workers/signal/strongest.ts). */
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

export { PULSE_GRID } from '../../workers/face/evidence-sampling.ts';
/** Every how many frames the sharpness/exposure gate measures a crop (medians need no more). */
const QUALITY_CROP_STRIDE = 3;
const G = EVIDENCE_GATES;

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
  if (frames.length < 2 || duration < input.plan.duration_ms * G.min_coverage) reasons.push('capture_too_short');
  // Adaptive capture length: the page may go on past the plan by at most its extension.
  const lastT = frames.length > 0 ? frames[frames.length - 1].t : 0;
  if (lastT > input.plan.duration_ms + (input.plan.extension_ms ?? 0) + G.frame_interval_slack_ms) reasons.push('capture_too_long');
  // The page cannot have captured for longer than the server saw the attempt running.
  if (frames.length > 0 && lastT > input.serverElapsedMs + G.timing_tolerance_ms) reasons.push('timestamps_exceed_server_clock');
  const fps = duration > 0 ? ((frames.length - 1) * 1000) / duration : 0;
  if (fps > input.plan.fps * G.max_fps_ratio + G.max_fps_margin) reasons.push('frame_rate_above_plan');
  // Repeated crops: a camera repeats a frame now and then (quality signal); a frozen feed or a
  // replayed run of earlier frames is injected evidence (repeats.ts).
  const repeats = classifyRepeats(frames);
  if (repeats.kind === 'frozen' || repeats.kind === 'replayed_sequence') reasons.push('duplicated_frames');
  const artefacts: string[] = [];
  if (repeats.adjacent > 0) artefacts.push('repeated_frames');
  if (frameIntervalCv(frames) > G.variable_frame_rate_cv) artefacts.push('variable_frame_rate');
  if (frames.length > 1 && repeats.distinct_fps < G.low_distinct_fps) artefacts.push('low_distinct_rate');
  const extendedMs = Math.max(0, Math.round(lastT - input.plan.duration_ms));
  return { passed: reasons.length === 0, reasons, frames: frames.length, duration_ms: duration, extended_ms: extendedMs, fps, duplicate_crops: repeats.adjacent + repeats.recurring, repeats, artefacts };
}

function frameIntervalCv(frames: readonly FrameRecord[]): number {
  if (frames.length < 3) return 0;
  const d: number[] = [];
  for (let i = 1; i < frames.length; i++) d.push(frames[i].t - frames[i - 1].t);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return mean > 0 ? sd / mean : 0;
}

function decodeCrop(bytes: Uint8Array): DecodedCrop | null {
  try {
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 1, maxMemoryUsageInMB: 64 });
    return { data: image.data, width: image.width, height: image.height };
  } catch {
    return null;
  }
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
  const sampler = createEvidenceSampler({ frame: input.frame, cropSize });
  let decodeFailures = 0;
  const dhashes: string[] = [];

  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    if (frame.lm) {
      const landmarks = sampler.addLandmarks(frame.lm);
      consistency.addLandmarks(frame.lm);
      motion.addLandmarks(frame.t, landmarks, width, height);
      motion.addEyeClosure(frame.t, eyeClosureFromEar(eyeAspectRatio(landmarks, width, height)));
    }
    const hasFace = frame.box[2] > 0 && frame.box[3] > 0;
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
    const landmarks = sampler.landmarks;
    if (sampler.sampleFrame(frame, crop) && sampled && landmarks) consistency.addEyes(crop.data, cropSize, landmarks, frame.box, input.frame);
  }
  lap('decode_roi_quality_motion');
  if (decodeFailures > frames.length * G.max_undecodable_share) {
    integrity.reasons.push('crops_undecodable');
    integrity.passed = false;
  }

  const qualityReport = quality.evaluate(evidenceQualityThresholds(input.thresholds));
  const motionSummary = motion.summary();

  const { times, roiTraces, faceRgb } = sampler.samples();
  const estimate = times.length >= 30 ? strongestPulse(times, roiTraces) : null;
  lap('pulse');
  const compared = compareClientTrace(sampler.samples());
  const bpm = estimate && Number.isFinite(estimate.bpm) ? estimate.bpm : null;
  const clientBpm = typeof input.clientHeartRateBpm === 'number' && Number.isFinite(input.clientHeartRateBpm) ? input.clientHeartRateBpm : null;
  const pulse: PulseResult = {
    heart_rate_bpm: bpm,
    snr_db: estimate?.snr_db ?? -Infinity,
    snr_z: estimate?.snr_z ?? -Infinity,
    method: estimate?.method ?? null,
    trace_correlation: compared.trace_correlation,
    level_gap: compared.level_gap,
    client_heart_rate_bpm: clientBpm,
    frames_compared: compared.frames_compared,
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

