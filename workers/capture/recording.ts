/**
 * One capture in progress: records each frame (FrameRecord with its face crop), takes the crops
 * that fall due, feeds the page's own face traces, hands context crops to the CNN, cuts and
 * sends chunks in order, and sums it all up at the end.
 */
import type { PixelBox } from '../cnn/index.ts';
import type { CnnScore } from '../cnn.worker.ts';
import type { FrameRecord } from '../codec/index.ts';
import type { FlatLandmarks } from '../face/landmarks.ts';
import { quantizeLandmarkSubset } from '../face/landmark-subset.ts';
import type { LightChallengeStep } from '../signal/index.ts';
import { CHUNK_LAG_MS, createChunker, encodeBatch } from './chunker.ts';
import { createCropRecorder, type CropRecorder } from './crop-recorder.ts';
import { nextExtension } from './extension.ts';
import { createFaceTrace } from './face-trace.ts';
import { buildCaptureSummary, type CaptureCounts, type StageClock } from './summary.ts';
import { createErrorCounter, type ErrorCounter } from './worker-errors.ts';
import type { PixelWindow, Surfaces } from './surfaces.ts';
import type { CaptureStart, CaptureSummary, StageTimings } from './types.ts';

export interface RecordingDeps {
  surfaces: Surfaces;
  clock: StageClock;
  cameraFps: number;
  /** Hands an encoded chunk to the page. */
  emit(seq: number, bytes: Uint8Array, frames: number): void;
}

export type CnnScorer = (facePx: PixelBox, t: number) => Promise<CnnScore | null>;

export interface RecordedFrame {
  win: PixelWindow;
  /** ms since the capture start, and the frame's epoch ms. */
  t: number;
  at: number;
  w: number;
  h: number;
  roi: Float32Array;
  skin: Uint32Array;
  face: boolean;
  /** The face box, normalised (read only when `face`). */
  box: Float32Array;
}

export interface PipelineRates {
  fps: number;
  landmarkHz: number;
  timings: StageTimings;
}

export interface Recording {
  readonly start: CaptureStart;
  readonly crops: CropRecorder;
  readonly errors: ErrorCounter;
  readonly frames: number;
  readonly chunks: number;
  /** ms since the start up to which frames belong to the capture: the plan's duration plus any extension. */
  readonly endMs: number;
  /**
   * At the planned end (and after each step): extends the capture by a step while the page's
   * pulse is borderline and the plan allows more (extension.ts). Returns the ms added, 0 to end.
   */
  extend(): number;
  /**
   * A frame inside the capture window. `scoreCnn` scores this frame on the CNN worker when a
   * context crop falls due (called at once, while the frame is open); null without a CNN.
   */
  frame(f: RecordedFrame, scoreCnn: CnnScorer | null): void;
  dropped(missed: number): void;
  /** Landmarks of the frame at epoch ms `at` arrived. */
  landmarks(at: number, points: FlatLandmarks | null): void;
  /** Flushes the last chunks, waits for them and the CNN, and sums up. Throws when a chunk failed. */
  stop(schedule: LightChallengeStep[] | null | undefined, rates: () => PipelineRates): Promise<CaptureSummary>;
}

export function createRecording(start: CaptureStart, deps: RecordingDeps): Recording {
  const plan = start.plan;
  const chunker = createChunker(plan);
  const crops = createCropRecorder(plan, deps.surfaces);
  const maxExtensionMs = plan.extension_ms ?? 0;
  const trace = createFaceTrace({ cameraFps: deps.cameraFps, durationMs: plan.duration_ms, windowMs: plan.duration_ms + maxExtensionMs });
  let extendedMs = 0;
  /** The pulse z the last extension decision rested on (null: none made, or no measure). */
  let decidedZ: number | null = null;
  const errors = createErrorCounter();
  const counts: CaptureCounts = { chunks: 0, frames: 0, landmarkFrames: 0, faceFrames: 0, droppedFrames: 0, bytes: 0 };
  const cnnScores: CnnScore[] = [];
  const cnnCalls: Promise<unknown>[] = [];
  let sendChain: Promise<void> = Promise.resolve();
  let sendError: unknown = null;

  const cut = (upTo: number): void => {
    for (const batch of chunker.cut(upTo)) {
      sendChain = sendChain
        .then(async () => {
          const bytes = await encodeBatch(start, batch);
          counts.bytes += bytes.byteLength;
          deps.emit(batch.seq, bytes, batch.frames.length);
        })
        .catch((err) => {
          sendError = err;
        });
    }
  };

  const scoreContext = (score: CnnScorer, facePx: PixelBox, t: number): void => {
    cnnCalls.push(
      score(facePx, t)
        .then((sc) => {
          if (sc) {
            cnnScores.push(sc);
            deps.clock.record('cnn', sc.ms);
          }
        })
        .catch(() => errors.count('cnn')),
    );
  };

  return {
    start,
    crops,
    errors,
    get frames() {
      return counts.frames;
    },
    get chunks() {
      return chunker.count;
    },
    get endMs() {
      return plan.duration_ms + extendedMs;
    },
    extend() {
      const z = trace.pulseZ();
      if (z.failed) errors.count('heart_rate');
      decidedZ = z.value !== null && Number.isFinite(z.value) ? z.value : null;
      const step = nextExtension(z.value, extendedMs, maxExtensionMs);
      extendedMs += step;
      return step;
    },
    frame(f, scoreCnn) {
      counts.frames++;
      if (f.face) counts.faceFrames++;
      const faceBox = f.face ? Float32Array.from(f.box) : new Float32Array(4);
      const record: FrameRecord = { t: f.t, lm: null, roi: f.roi, skin: f.skin, box: faceBox, crop: new Uint8Array(0) };
      if (f.face) trace.push(f.t, f.roi, f.skin);
      const c0 = performance.now();
      let ready = crops.faceCrop(f.win, f.face, f.box, f.w, f.h).then((bytes) => {
        record.crop = bytes;
        deps.clock.record('crop', performance.now() - c0);
      });
      // Context crops for the CNN, spread evenly over the capture.
      const context = f.face ? crops.contextCrop(f.win, faceBox, f.t, f.w, f.h) : null;
      if (context) {
        chunker.addContext(context.crop);
        ready = Promise.all([ready, context.ready]).then(() => {});
        if (scoreCnn) scoreContext(scoreCnn, context.facePx, f.t);
      }
      chunker.addFrame({ record, ready, key: f.at });
      // Cut a little behind the newest frame so late landmarks can still attach.
      cut(f.t - CHUNK_LAG_MS);
    },
    dropped(missed) {
      counts.droppedFrames += missed;
    },
    landmarks(at, points) {
      const record = points ? chunker.waiting(at) : null;
      if (points && record) {
        record.lm = quantizeLandmarkSubset(points);
        counts.landmarkFrames++;
      }
      const identity = crops.settleIdentity(at, points);
      if (identity) chunker.addIdentity(identity);
    },
    async stop(schedule, rates) {
      cut(Infinity);
      await sendChain;
      await Promise.all(cnnCalls);
      if (sendError) throw sendError;
      const heartRate = trace.heartRate();
      if (heartRate.failed) errors.count('heart_rate');
      const light = trace.lightChallenge(schedule);
      if (light.failed) errors.count('light_challenge');
      const { fps, landmarkHz, timings } = rates();
      counts.chunks = chunker.count;
      return buildCaptureSummary({ counts, fps, landmarkHz, timings, cnn: cnnScores, heartRate: heartRate.value, lightChallenge: light.value, errors: errors.snapshot(), extension: { ms: extendedMs, pulse_z: decidedZ } });
    },
  };
}
