/**
 * What the pipeline reports about itself: stage timings (medians over the recent frames) and the
 * capture summary the page sends with finish (with the errors it survived, worker-errors.ts).
 */
import type { CnnScore } from '../cnn.worker.ts';
import type { LightChallengeResult, StreamingHeartRate } from '../signal/index.ts';
import { upperMedian } from '../signal/stats.ts';
import type { CaptureExtension, CaptureSummary, StageTimings, WorkerErrors } from './types.ts';

/** Stage timings keep this many recent samples each. */
export const TIMING_SAMPLES = 600;

export type Stage = 'draw' | 'roi' | 'crop' | 'landmarks' | 'cnn' | 'frame';

export interface StageClock {
  record(stage: Stage, ms: number): void;
  /** Median of each stage's recent samples (0 for a stage with none). */
  timings(): StageTimings;
}

export function createStageClock(): StageClock {
  const samples: Record<Stage, number[]> = { draw: [], roi: [], crop: [], landmarks: [], cnn: [], frame: [] };
  return {
    record(stage, ms) {
      const arr = samples[stage];
      arr.push(ms);
      if (arr.length > TIMING_SAMPLES) arr.shift();
    },
    timings() {
      return {
        draw_ms: upperMedian(samples.draw),
        roi_ms: upperMedian(samples.roi),
        crop_ms: upperMedian(samples.crop),
        landmarks_ms: upperMedian(samples.landmarks),
        cnn_ms: upperMedian(samples.cnn),
        frame_ms: upperMedian(samples.frame),
      };
    },
  };
}

/** Counts kept per capture. */
export interface CaptureCounts {
  chunks: number;
  frames: number;
  landmarkFrames: number;
  faceFrames: number;
  droppedFrames: number;
  bytes: number;
}

export function buildCaptureSummary(input: {
  counts: CaptureCounts;
  fps: number;
  landmarkHz: number;
  timings: StageTimings;
  cnn: CnnScore[];
  heartRate: StreamingHeartRate | null;
  lightChallenge: LightChallengeResult | null;
  errors: WorkerErrors;
  extension: CaptureExtension;
}): CaptureSummary {
  const c = input.counts;
  return {
    chunk_count: c.chunks,
    frames: c.frames,
    landmark_frames: c.landmarkFrames,
    face_frames: c.faceFrames,
    dropped_frames: c.droppedFrames,
    bytes: c.bytes,
    fps: input.fps,
    landmark_hz: input.landmarkHz,
    timings: input.timings,
    cnn: input.cnn,
    heart_rate: input.heartRate,
    light_challenge: input.lightChallenge,
    worker_errors: input.errors,
    extension: input.extension,
  };
}
