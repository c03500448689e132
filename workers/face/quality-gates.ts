// Capture quality gates. Per-frame measurements accumulate (face size from the face box,
// exposure and sharpness from the face crop when given, presence, timestamps); evaluate() turns
// their medians into a pass/fail with stable reason codes. The server runs the same gates on the
// evidence it received; the page runs them to coach the person before wasting an attempt.
import { exposureStats } from './exposure.ts';
import { frameTimingStats, type FrameTimingStats } from './frame-timing.ts';
import { rgbaToGray } from './grayscale.ts';
import { laplacianVariance } from './sharpness.ts';
import { medianOrNull } from '../signal/stats.ts';

/** Face box's larger side over the frame's shorter side. */
export const DEFAULT_MIN_FACE_SIZE = 0.25;
/** Median face-crop luma below this, or more than DEFAULT_MAX_DARK_SHARE crushed-dark pixels. */
export const DEFAULT_MIN_MEAN_LUMA = 55;
export const DEFAULT_MAX_DARK_SHARE = 0.4;
/** More than this share of the face crop clipped white, or mean luma above DEFAULT_MAX_MEAN_LUMA. */
export const DEFAULT_MAX_CLIPPED_SHARE = 0.15;
export const DEFAULT_MAX_MEAN_LUMA = 225;
/**
 * Laplacian variance of a 64 px face crop below this is blurry. Measured here: the astronaut
 * portrait's face at 64 px gives 1126, a real webcam face (evm-face) 247; the same crops after a
 * 3x3 box blur 68, after a 5x5 box blur 17 and 5. Scale it for other crop sizes.
 */
export const DEFAULT_MIN_SHARPNESS = 40;
export const DEFAULT_SHARPNESS_CROP_SIZE = 64;
/** Share of frames with a face. */
export const DEFAULT_MIN_FACE_PRESENT = 0.8;
export const DEFAULT_MIN_FPS = 14;
/** Frame-interval coefficient of variation, and the longest tolerated gap. */
export const DEFAULT_MAX_JITTER_CV = 0.5;
export const DEFAULT_MAX_FRAME_GAP_MS = 300;

export type QualityReason =
  | 'face_too_small'
  | 'too_dark'
  | 'overexposed'
  | 'blurry'
  | 'face_missing'
  | 'low_frame_rate'
  | 'frame_jitter';

export interface QualityThresholds {
  minFaceSize: number;
  minMeanLuma: number;
  maxDarkShare: number;
  maxClippedShare: number;
  maxMeanLuma: number;
  minSharpness: number;
  minFacePresent: number;
  minFps: number;
  maxJitterCv: number;
  maxFrameGapMs: number;
}

export const DEFAULT_QUALITY_THRESHOLDS: Readonly<QualityThresholds> = Object.freeze({
  minFaceSize: DEFAULT_MIN_FACE_SIZE,
  minMeanLuma: DEFAULT_MIN_MEAN_LUMA,
  maxDarkShare: DEFAULT_MAX_DARK_SHARE,
  maxClippedShare: DEFAULT_MAX_CLIPPED_SHARE,
  maxMeanLuma: DEFAULT_MAX_MEAN_LUMA,
  minSharpness: DEFAULT_MIN_SHARPNESS,
  minFacePresent: DEFAULT_MIN_FACE_PRESENT,
  minFps: DEFAULT_MIN_FPS,
  maxJitterCv: DEFAULT_MAX_JITTER_CV,
  maxFrameGapMs: DEFAULT_MAX_FRAME_GAP_MS,
});

export interface QualityMetrics {
  frames: number;
  face_present_ratio: number;
  /** Medians over frames with a face (null when none was measured). */
  face_size: number | null;
  mean_luma: number | null;
  dark_share: number | null;
  clipped_share: number | null;
  sharpness: number | null;
  timing: FrameTimingStats;
}

export interface QualityReport {
  passed: boolean;
  reasons: QualityReason[];
  metrics: QualityMetrics;
}

export interface FaceCropInput {
  /** RGBA pixels of a size x size face crop. */
  rgba: Uint8Array | Uint8ClampedArray;
  size: number;
}

export interface QualityFrame {
  tMs: number;
  /** Normalised face box [x, y, w, h], or null when no face was found. */
  faceBox: ArrayLike<number> | null;
  frameWidth: number;
  frameHeight: number;
  /** Face crop to measure exposure and sharpness on (any frames; every few is enough). */
  crop?: FaceCropInput | null;
}

export interface QualityAccumulator {
  addFrame(frame: QualityFrame): void;
  metrics(): QualityMetrics;
  evaluate(thresholds?: Partial<QualityThresholds>): QualityReport;
  reset(): void;
}

const median = (values: number[]): number | null => medianOrNull(values, { finiteOnly: false });

/** Applies thresholds to metrics: usable on metrics computed anywhere. */
export function evaluateQuality(metrics: QualityMetrics, thresholds: Partial<QualityThresholds> = {}): QualityReport {
  const t = { ...DEFAULT_QUALITY_THRESHOLDS, ...thresholds };
  const reasons: QualityReason[] = [];
  if (metrics.frames === 0 || metrics.face_present_ratio < t.minFacePresent) reasons.push('face_missing');
  if (metrics.face_size !== null && metrics.face_size < t.minFaceSize) reasons.push('face_too_small');
  if (metrics.mean_luma !== null && (metrics.mean_luma < t.minMeanLuma || (metrics.dark_share ?? 0) > t.maxDarkShare)) {
    reasons.push('too_dark');
  }
  if (metrics.mean_luma !== null && (metrics.mean_luma > t.maxMeanLuma || (metrics.clipped_share ?? 0) > t.maxClippedShare)) {
    reasons.push('overexposed');
  }
  if (metrics.sharpness !== null && metrics.sharpness < t.minSharpness) reasons.push('blurry');
  if (metrics.timing.frames >= 2) {
    if (metrics.timing.fps < t.minFps) reasons.push('low_frame_rate');
    if (metrics.timing.jitter_cv > t.maxJitterCv || metrics.timing.max_gap_ms > t.maxFrameGapMs
      || metrics.timing.non_increasing > 0) reasons.push('frame_jitter');
  }
  return { passed: reasons.length === 0, reasons, metrics };
}

export interface QualityAccumulatorOptions {
  /** Largest face crop side accepted (bounds the scratch buffer). */
  maxCropSize?: number;
}

export function createQualityAccumulator(options: QualityAccumulatorOptions = {}): QualityAccumulator {
  const maxCrop = options.maxCropSize ?? 512;
  let gray = new Uint8Array(0);
  let times: number[] = [], sizes: number[] = [], lumas: number[] = [], darks: number[] = [];
  let clips: number[] = [], sharp: number[] = [];
  let present = 0;
  return {
    addFrame(frame) {
      if (!Number.isFinite(frame.tMs)) return;
      times.push(frame.tMs);
      const box = frame.faceBox;
      if (!box) return;
      present++;
      const side = Math.max(box[2] * frame.frameWidth, box[3] * frame.frameHeight);
      sizes.push(side / Math.min(frame.frameWidth, frame.frameHeight));
      const crop = frame.crop;
      if (!crop || crop.size < 3 || crop.size > maxCrop || crop.rgba.length < crop.size * crop.size * 4) return;
      const n = crop.size * crop.size;
      if (gray.length < n) gray = new Uint8Array(n);
      const g = gray.subarray(0, n);
      rgbaToGray(crop.rgba, crop.size, crop.size, g);
      const e = exposureStats(g);
      lumas.push(e.mean_luma);
      darks.push(e.dark_share);
      clips.push(e.clipped_share);
      // Laplacian variance falls roughly with the square of the scale: normalise to 64 px.
      const k = crop.size / DEFAULT_SHARPNESS_CROP_SIZE;
      sharp.push(laplacianVariance(g, crop.size, crop.size) * k * k);
    },
    metrics() {
      return {
        frames: times.length,
        face_present_ratio: times.length ? present / times.length : 0,
        face_size: median(sizes),
        mean_luma: median(lumas),
        dark_share: median(darks),
        clipped_share: median(clips),
        sharpness: median(sharp),
        timing: frameTimingStats(times),
      };
    },
    evaluate(thresholds) {
      return evaluateQuality(this.metrics(), thresholds);
    },
    reset() {
      times = []; sizes = []; lumas = []; darks = []; clips = []; sharp = []; present = 0;
    },
  };
}
