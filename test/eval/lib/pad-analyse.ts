// Offline re-analysis of one recorded page run (pad.ts --record): the server's analysis on the
// real evidence with the current code, no browser; returns the check features and the raw
// numbers behind them (what the calibration fits on and the report plots).
import { join } from 'node:path';
import { analyseCapture } from '../../../server/analysis/worker.ts';
import { checkFeatures, type CheckFeatures } from '../../../server/analysis/features.ts';
import { clientAgreement, fuse, type Outcome } from '../../../server/analysis/fusion.ts';
import { defaultPolicy } from '../../../server/policies/defaults.ts';
import { attemptInputs } from '../../../server/capture/columns.ts';
import type { CaptureChunk } from '../../../workers/codec/index.ts';
import { decodeRecorded, loadRecordedCapture } from './pad-record.ts';

export const MODELS_DIR = join(import.meta.dirname, '../../../models');

export interface AnalysedRecording {
  /** Tampering proven (integrity, client disagreement): refused whatever the checks say. */
  hard: string[];
  /** Quality gate reasons (the page retries; the recording is the last attempt). */
  quality: string[];
  features: CheckFeatures;
  /** What the server decides on this evidence today: the shipped fusion at the recording's risk level. */
  outcome: Outcome;
  raw: {
    frames: number;
    fps: number;
    jitter_cv: number;
    repeats: string;
    artefacts: string[];
    luma: number | null;
    face_size: number | null;
    snr_z: number;
    method: string | null;
    cnn: number | null;
    cnn_per_model: Record<string, number>;
    face_ratio: number | null;
    /** Fine-detail ratio of the face (workers/face/fine-detail.ts; quality gate MIN_FINE_DETAIL). */
    fine_detail: number | null;
    tonal_range: number | null;
    cnn_frames: Array<{ p: number; face: number | null }>;
    face_present: number;
    residual: number | null;
    pairs: number;
    blinks: number;
    shape_change: number;
    landmark_noise: number;
    motion_energy: number;
    /** Expression activity (workers/face/expression.ts), null with too few landmark frames. */
    expression: number | null;
    /** The three measures behind it, each in its own unit (EXPRESSION_SCALES). */
    expression_parts: { residual: number | null; eye_range: number | null; mouth_range: number | null } | null;
    planarity_ratio: number | null;
    light: number | null;
  };
}

const r = (v: number | null | undefined, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10 ** d) / 10 ** d);

/**
 * `cutAtPlan`: analyse only the frames within the plan's duration, as if the page had not extended
 * the capture (adaptive capture length): the same recording with and without its extension.
 */
export async function analyseRecording(dir: string, opts: { cutAtPlan?: boolean } = {}): Promise<AnalysedRecording | null> {
  const capture = await loadRecordedCapture(dir).catch(() => null);
  if (!capture) return null;
  // The stored columns, parsed as the server's analyzer parses them.
  const inputs = attemptInputs({ id: dir, ...capture.attempt });
  const policy = defaultPolicy(capture.risk_level === 'high' ? 'high' : 'standard');
  const result = await analyseCapture({
    chunks: opts.cutAtPlan ? cutAt(decodeRecorded(capture), inputs.plan.duration_ms) : decodeRecorded(capture),
    plan: inputs.plan,
    frame: inputs.frame,
    lightChallenge: inputs.lightSchedule ? { schedule: inputs.lightSchedule } : null,
    serverElapsedMs: (capture.attempt.finished_at ?? capture.attempt.started_at) - capture.attempt.started_at,
    modelsDir: MODELS_DIR,
    frameCount: capture.frame_count,
    thresholds: policy.thresholds,
    clientHeartRateBpm: inputs.clientSummary?.heart_rate_bpm ?? null,
  });
  const e = result.evidence;
  const outcome = fuse(e, result.cnn, policy);
  const hard = e.integrity.reasons.map((x) => `integrity:${x}`);
  if (clientAgreement(e.pulse) === false) hard.push('pulse:client_disagrees');
  return {
    hard,
    quality: outcome.kind === 'quality_failed' ? outcome.reasons : [],
    features: checkFeatures(e, result.cnn, policy.thresholds),
    outcome,
    raw: {
      frames: e.integrity.frames,
      fps: r(e.integrity.fps, 1) ?? 0,
      jitter_cv: r(e.quality.metrics.timing.jitter_cv, 2) ?? 0,
      repeats: e.integrity.repeats.kind,
      artefacts: e.integrity.artefacts,
      luma: r(e.quality.metrics.mean_luma, 1),
      face_size: r(e.quality.metrics.face_size, 2),
      snr_z: r(e.pulse.snr_z, 2) ?? -Infinity,
      method: e.pulse.method,
      cnn: r(result.cnn.live_probability),
      cnn_per_model: Object.fromEntries(Object.entries(result.cnn.per_model).map(([k, v]) => [k, r(v) ?? 0])),
      face_ratio: r(result.cnn.face_detected_ratio, 2),
      fine_detail: r(result.cnn.fine_detail),
      tonal_range: r(result.cnn.tonal_range),
      cnn_frames: (result.cnn.per_frame ?? []).map((f) => ({ p: r(f.p) ?? 0, face: r(f.face, 2) })),
      face_present: r(e.quality.metrics.face_present_ratio, 2) ?? 0,
      residual: r(e.motion.planarity_residual, 4),
      pairs: e.motion.informative_pairs,
      blinks: e.motion.blinks,
      shape_change: r(e.motion.shape_change, 4) ?? 0,
      landmark_noise: r(e.motion.landmark_noise, 4) ?? 0,
      motion_energy: r(e.motion.motion_energy, 5) ?? 0,
      expression: r(e.motion.expression?.activity, 2),
      expression_parts: e.motion.expression ? { residual: r(e.motion.expression.residual, 4), eye_range: r(e.motion.expression.eye_range, 3), mouth_range: r(e.motion.expression.mouth_range, 4) } : null,
      planarity_ratio: r(e.motion.planarity_ratio),
      light: r(e.light_challenge?.score),
    },
  };
}

/** The chunks with only the frames up to `ms` (chunks left empty dropped: they are the last ones). */
function cutAt(chunks: CaptureChunk[], ms: number): CaptureChunk[] {
  return chunks.map((c) => ({ ...c, frames: c.frames.filter((f) => f.t <= ms) })).filter((c) => c.frames.length > 0);
}

/** The decision an outcome carries, as the eval tools report it (a failed quality gate has no score). */
export function decisionOf(outcome: Outcome): { verdict: 'live' | 'spoof' | 'quality_failed'; score: number | null; reasons: string[] } {
  return outcome.kind === 'quality_failed' ? { verdict: 'quality_failed', score: null, reasons: outcome.reasons } : { verdict: outcome.verdict, score: outcome.score, reasons: outcome.reasons };
}
