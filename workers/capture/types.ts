/**
 * Messages between the capture page and the signal worker (plan, start, status, chunks,
 * summary). The worker entry re-exports them.
 */
import type { CnnScore } from '../cnn.worker.ts';
import type { LightChallengeResult, LightChallengeStep, StreamingHeartRate } from '../signal/index.ts';
import type { CapturePlan, StageTimings, WorkerErrors } from '../protocol/index.ts';

export type { WorkerErrorKind } from './worker-errors.ts';
// The plan, the stage timings and the error counters cross the wire too: declared in workers/protocol.
export type { CapturePlan, StageTimings, WorkerErrors };

export interface CaptureStart {
  session_id: string;
  attempt_id: string;
  nonce: string;
  plan: CapturePlan;
  /** performance.timeOrigin + performance.now() of t = 0, shared with the light challenge. */
  start_epoch_ms: number;
  /**
   * The light-challenge schedule, when known at start (the page learns it just in time and hands
   * the revealed steps to stopCapture instead). Scored on the page's own traces.
   */
  light_schedule?: LightChallengeStep[] | null;
}

export interface PipelineInit {
  /** Expected camera rate, for drop detection. */
  camera_fps: number;
  /** Initial landmark cadence, detections per second. */
  landmark_hz: number;
  /** Minimum interval between status reports, ms (0: every frame). */
  status_every_ms: number;
  /** Include the 478 landmark points in status reports (the lab draws them). */
  status_points: boolean;
}

export interface PipelineStatus {
  /** Epoch ms of the frame. */
  at: number;
  width: number;
  height: number;
  face: boolean;
  /** Face box, normalised [x, y, w, h]. */
  box: [number, number, number, number] | null;
  /** Mean luma of the face skin (or of the whole frame without a face), 0..255. */
  brightness: number;
  /** Face-centre speed, frame widths per second. */
  motion: number;
  /** Latest ROI means [fR,fG,fB,lR,lG,lB,rR,rG,rB]. */
  roi: number[] | null;
  fps: number;
  landmark_hz: number;
  landmark_target_hz: number;
  dropped: number;
  recording: { t: number; frames: number; chunks: number } | null;
  points?: Float32Array | null;
  rois_px?: number[][];
}

export interface CaptureSummary {
  chunk_count: number;
  frames: number;
  landmark_frames: number;
  face_frames: number;
  dropped_frames: number;
  bytes: number;
  fps: number;
  landmark_hz: number;
  timings: StageTimings;
  cnn: CnnScore[];
  /** The page's own streaming pulse estimate (never trusted by the server). */
  heart_rate: StreamingHeartRate | null;
  /** The page's own light-challenge score, when there was a schedule. */
  light_challenge: LightChallengeResult | null;
  /** Errors the pipeline survived during the capture (see WorkerErrors). */
  worker_errors?: WorkerErrors;
  /** Adaptive capture length: the extension taken and the pulse z last decided on (extension.ts). */
  extension: CaptureExtension;
}

export interface CaptureExtension {
  ms: number;
  pulse_z: number | null;
}

export interface ChunkReady {
  seq: number;
  bytes: Uint8Array;
  frames: number;
}
