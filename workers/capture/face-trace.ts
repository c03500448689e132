/**
 * The page's own face traces during a capture: the streaming pulse estimate and the skin-weighted
 * face colour the light challenge is scored on. Informational only: the server never trusts them.
 */
import { createPulseEstimator, DEFAULT_STREAM_SAMPLE_RATE, scoreLightChallenge, strongestPulse, type LightChallengeResult, type LightChallengeStep, type StreamingHeartRate } from '../signal/index.ts';
import { ROI_COUNT } from './roi-sampler.ts';

/** Seconds of pulse before the first estimate, at most (shorter captures start earlier). */
export const PULSE_MIN_SECONDS = 6;
/** A short capture's first estimate comes this long before its end. */
export const PULSE_END_MARGIN_SECONDS = 0.5;
/** The analysis window is the whole capture, at least this long. */
export const PULSE_MIN_WINDOW_SECONDS = 6;
/** The estimator's accepted processing rates (Hz). */
export const PULSE_RATE_RANGE = { min: 8, max: 120 } as const;

/**
 * The pulse processing rate for a camera delivering `cameraFps` (the device profile's rate): its
 * rate, whole, in the estimator's range; the estimator's default when the rate is unknown.
 */
export function pulseSampleRate(cameraFps: number): number {
  const fps = Number.isFinite(cameraFps) && cameraFps > 0 ? Math.round(cameraFps) : DEFAULT_STREAM_SAMPLE_RATE;
  return Math.min(PULSE_RATE_RANGE.max, Math.max(PULSE_RATE_RANGE.min, fps));
}

export interface Scored<T> {
  value: T | null;
  /** True when scoring threw (the value is then null). */
  failed: boolean;
}

export interface FaceTrace {
  /** One frame with a face at `t` ms: ROI means (9) and skin counts (3). Frames without skin are skipped. */
  push(t: number, roi: Float32Array, skin: Uint32Array): void;
  heartRate(): Scored<StreamingHeartRate>;
  /**
   * The server's pulse measure (workers/signal/strongest.ts) on the page's ROI traces so far: its
   * z, or null with too little to measure. The adaptive capture length decides on it.
   */
  pulseZ(): Scored<number>;
  /** The light-challenge score against `schedule`; null value without steps. */
  lightChallenge(schedule: LightChallengeStep[] | null | undefined): Scored<LightChallengeResult>;
}

/**
 * `durationMs`: the planned capture; `windowMs`: the longest it may run (the plan's extension
 * included), so that an extended capture's estimate covers all of it.
 */
export function createFaceTrace(opts: { cameraFps: number; durationMs: number; windowMs?: number }): FaceTrace {
  const seconds = opts.durationMs / 1000;
  const pulse = createPulseEstimator({
    sampleRate: pulseSampleRate(opts.cameraFps),
    rois: ROI_COUNT,
    minSeconds: Math.min(PULSE_MIN_SECONDS, seconds - PULSE_END_MARGIN_SECONDS),
    windowSeconds: Math.max(PULSE_MIN_WINDOW_SECONDS, seconds, (opts.windowMs ?? 0) / 1000),
  });
  const times: number[] = [];
  const rgb: number[] = [];
  /** Per ROI, its mean RGB per frame, interleaved. */
  const roiRgb: number[][] = Array.from({ length: ROI_COUNT }, () => []);
  const attempt = <T>(fn: () => T | null): Scored<T> => {
    try {
      return { value: fn(), failed: false };
    } catch {
      return { value: null, failed: true };
    }
  };
  return {
    push(t, roi, skin) {
      const n = skin[0] + skin[1] + skin[2];
      if (n <= 0) return;
      pulse.push(t, roi);
      times.push(t);
      for (let c = 0; c < 3; c++) rgb.push((roi[c] * skin[0] + roi[3 + c] * skin[1] + roi[6 + c] * skin[2]) / n);
      for (let k = 0; k < ROI_COUNT; k++) roiRgb[k].push(roi[3 * k], roi[3 * k + 1], roi[3 * k + 2]);
    },
    heartRate() {
      return attempt(() => pulse.estimate());
    },
    pulseZ() {
      return attempt(() => strongestPulse(times, roiRgb)?.snr_z ?? null);
    },
    lightChallenge(schedule) {
      if (!schedule?.length) return { value: null, failed: false };
      return attempt(() => scoreLightChallenge(schedule, times, rgb));
    },
  };
}
