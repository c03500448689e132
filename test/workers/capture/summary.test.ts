import { describe, expect, it } from 'vitest';
import { buildCaptureSummary, createStageClock, TIMING_SAMPLES } from '../../../workers/capture/summary.ts';
import { createErrorCounter, emptyWorkerErrors } from '../../../workers/capture/worker-errors.ts';
import { WorkerErrorsSchema } from '../../../workers/protocol/index.ts';

describe('stage clock', () => {
  it('reports the median of recent samples per stage, 0 for a stage without any', () => {
    const clock = createStageClock();
    for (const ms of [5, 1, 3, 2]) clock.record('draw', ms);
    clock.record('frame', 7);
    expect(clock.timings()).toEqual({ draw_ms: 3, roi_ms: 0, crop_ms: 0, landmarks_ms: 0, cnn_ms: 0, frame_ms: 7 });
  });

  it('forgets samples older than the window', () => {
    const clock = createStageClock();
    for (let i = 0; i < TIMING_SAMPLES; i++) clock.record('roi', 100);
    for (let i = 0; i < TIMING_SAMPLES; i++) clock.record('roi', 1);
    expect(clock.timings().roi_ms).toBe(1);
  });
});

describe('worker errors', () => {
  it('counts each kind separately and hands out copies', () => {
    const errors = createErrorCounter();
    errors.count('landmarks');
    errors.count('landmarks');
    errors.count('cnn');
    const snap = errors.snapshot();
    expect(snap).toEqual({ ...emptyWorkerErrors(), landmarks: 2, cnn: 1 });
    errors.count('cnn');
    expect(snap.cnn).toBe(1);
    expect(WorkerErrorsSchema.parse(errors.snapshot())).toEqual({ ...emptyWorkerErrors(), landmarks: 2, cnn: 2 });
  });

  it('the schema refuses what a counter cannot be', () => {
    for (const bad of [{ ...emptyWorkerErrors(), frame: -1 }, { ...emptyWorkerErrors(), frame: 0.5 }, { landmarks: 1 }, 'x']) {
      expect(WorkerErrorsSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('capture summary', () => {
  it('keeps the existing field names and adds worker_errors and the extension', () => {
    const summary = buildCaptureSummary({
      counts: { chunks: 6, frames: 180, landmarkFrames: 50, faceFrames: 170, droppedFrames: 2, bytes: 12345 },
      fps: 29.5,
      landmarkHz: 9,
      timings: createStageClock().timings(),
      cnn: [],
      heartRate: null,
      lightChallenge: null,
      errors: { ...emptyWorkerErrors(), cnn: 1 },
      extension: { ms: 2000, pulse_z: 3.4 },
    });
    expect(summary).toEqual({
      chunk_count: 6, frames: 180, landmark_frames: 50, face_frames: 170, dropped_frames: 2, bytes: 12345, fps: 29.5, landmark_hz: 9,
      timings: { draw_ms: 0, roi_ms: 0, crop_ms: 0, landmarks_ms: 0, cnn_ms: 0, frame_ms: 0 },
      cnn: [], heart_rate: null, light_challenge: null,
      worker_errors: { landmarks: 0, cnn: 1, frame: 0, frame_convert: 0, stream: 0, heart_rate: 0, light_challenge: 0 },
      extension: { ms: 2000, pulse_z: 3.4 },
    });
  });
});
