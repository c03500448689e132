// The page's own estimates, sent with finish: kept for the agreement check and the audit trail,
// never trusted. Every field is optional and typed when present; numbers may be null (JSON has
// no NaN). Unknown fields are kept.
import { z } from 'zod';

const num = z.number().nullable().optional();

const count = z.number().int().nonnegative();

/** Failures the signal pipeline survived during a capture, by where (workers/capture/worker-errors.ts). */
export const WorkerErrorsSchema = z.object({
  landmarks: count,
  cnn: count,
  frame: count,
  frame_convert: count,
  stream: count,
  heart_rate: count,
  light_challenge: count,
});
export type WorkerErrors = z.infer<typeof WorkerErrorsSchema>;

/** Median per-frame cost of each pipeline stage on the page, ms. */
export const StageTimingsSchema = z.looseObject({
  draw_ms: z.number(),
  roi_ms: z.number(),
  crop_ms: z.number(),
  landmarks_ms: z.number(),
  cnn_ms: z.number(),
  frame_ms: z.number(),
});
export type StageTimings = z.infer<typeof StageTimingsSchema>;

export const ClientSummarySchema = z.looseObject({
  frames: num,
  face_frames: num,
  landmark_frames: num,
  dropped_frames: num,
  fps: num,
  landmark_hz: num,
  bytes: num,
  /** The page's streaming pulse estimate, compared with the server's own. */
  heart_rate_bpm: num,
  snr_db: num,
  pulse_confident: z.boolean().optional(),
  light_challenge: z.looseObject({ passed: z.boolean(), score: z.number().nullable(), lag_ms: z.number().nullable() }).nullable().optional(),
  cnn_real: num,
  cnn_scores: z.array(z.looseObject({ t: z.number().nullable(), real: z.number().nullable() })).optional(),
  landmarks: z.looseObject({ delegate: z.string().nullable().optional(), median_ms: num }).optional(),
  timings: z.looseObject({ draw_ms: num, roi_ms: num, crop_ms: num, landmarks_ms: num, cnn_ms: num, frame_ms: num }).optional(),
  /** Counters the audit keeps; a malformed set is dropped, never a reason to refuse the capture. */
  worker_errors: WorkerErrorsSchema.nullish().catch(undefined),
  /**
   * Adaptive capture length as the page ran it: how far it extended the capture and the pulse z it
   * last decided on (null: no measure). For the audit; the server measures the length itself.
   */
  extension: z.object({ ms: z.number().nonnegative(), pulse_z: z.number().nullable() }).nullish().catch(undefined),
});
export type ClientSummary = z.infer<typeof ClientSummarySchema>;
