// Fusion: per-check features -> one calibrated score 0-100 (a logistic regression fitted with
// leave-one-subject-out cross-validation, docs/CALIBRATION.md) -> verdict at the risk level's
// operating point (`min_score`). No single check decides alone, except proof of tampering:
// failed integrity (nonce, attempt, sequence, timing, frozen or replayed frames) and a client
// whose numbers do not describe its own pixels. Pure and synchronous; every threshold comes from
// the policy (server/policies/defaults.ts).
import type { Verdict } from '../../workers/protocol/index.ts';
import { AGREEMENT, CHECK_WEIGHTS, FUSION_BIAS, type CheckName, type PolicyConfig } from '../policies/defaults.ts';
import type { CnnResult } from './cnn.ts';
import type { FrameEvidence } from './evidence.ts';
import { checkFeatures } from './features.ts';

export type Outcome =
  | { kind: 'verdict'; verdict: Verdict; score: number; confidence: number; checks: Record<string, unknown>; reasons: string[] }
  | { kind: 'quality_failed'; reasons: string[]; checks: Record<string, unknown> };

/** Whether the client's trace describes the pixels the server sees (null: too little to compare). */
export function clientAgreement(pulse: FrameEvidence['pulse']): boolean | null {
  if (pulse.frames_compared < AGREEMENT.min_frames || pulse.trace_correlation === null || pulse.level_gap === null) return null;
  return pulse.trace_correlation >= AGREEMENT.min_correlation && pulse.level_gap <= AGREEMENT.max_level_gap;
}

const round = (v: number, digits = 3) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Why a check spoke against a live face (its feature below its own threshold). */
const AGAINST: Record<CheckName, string> = {
  pulse: 'pulse:not_detected',
  cnn: 'cnn:presentation_attack',
  motion: 'motion:planar',
  light_challenge: 'light_challenge:weak_response',
};

export function fuse(evidence: FrameEvidence, cnn: CnnResult, policy: PolicyConfig): Outcome {
  const t = policy.thresholds;
  const { integrity, quality, pulse, motion, light_challenge: light } = evidence;
  const agreement = clientAgreement(pulse);

  const checks: Record<string, unknown> = {
    integrity: { passed: integrity.passed, reasons: integrity.reasons, frames: integrity.frames, fps: round(integrity.fps, 1), repeats: integrity.repeats?.kind ?? 'none', artefacts: integrity.artefacts ?? [] },
    quality: { passed: quality.passed, reasons: quality.reasons, face_present_ratio: round(quality.metrics.face_present_ratio), face_size: round(quality.metrics.face_size ?? NaN) },
    pulse: {
      heart_rate_bpm: round(pulse.heart_rate_bpm ?? NaN, 1),
      snr_db: round(pulse.snr_db, 2),
      agreement,
      snr_z: round(pulse.snr_z, 2),
      method: pulse.method,
      trace_correlation: round(pulse.trace_correlation ?? NaN),
      level_gap: round(pulse.level_gap ?? NaN, 2),
    },
    light_challenge: light
      ? { passed: light.passed, score: round(light.score), lag_ms: light.lag_ms, correlation: round(light.correlation), ...(light.reason ? { reason: light.reason } : {}) }
      : null,
    motion: {
      planarity_residual: round(motion.planarity_residual ?? NaN, 4),
      planarity: motion.planarity_evidence,
      motion_energy: round(motion.motion_energy, 5),
      blinks: motion.blinks,
    },
    cnn: { live_probability: round(cnn.live_probability ?? NaN), per_model: cnn.per_model, frames: cnn.frames, face_detected_ratio: round(cnn.face_detected_ratio ?? NaN) },
  };

  // Tampered or implausible evidence is an attack, not bad luck: a spoof verdict, no retry.
  if (!integrity.passed) {
    return { kind: 'verdict', verdict: 'spoof', score: 0, confidence: 1, checks, reasons: integrity.reasons.map((r) => `integrity:${r}`) };
  }
  if (!quality.passed) return { kind: 'quality_failed', reasons: quality.reasons.map((r) => `quality:${r}`), checks };

  // Numbers the client made up (or edited) are tampering whatever the pulse looks like.
  if (agreement === false) return { kind: 'verdict', verdict: 'spoof', score: 0, confidence: 1, checks, reasons: ['pulse:client_disagrees'] };

  const features = checkFeatures(evidence, cnn, t);
  const reasons: string[] = [];
  let z = FUSION_BIAS;
  const perCheck: Record<string, unknown> = {};
  for (const check of policy.required_checks) {
    const f = features[check];
    if (f === null) {
      // A required check that could not run (model missing, no challenge) cannot vouch for a
      // live face: refused, with its reason.
      reasons.push(check === 'cnn' ? `cnn:${cnn.reason ?? 'unavailable'}` : `${check}:not_run`);
      z -= CHECK_WEIGHTS[check] * 2;
      continue;
    }
    z += CHECK_WEIGHTS[check] * f;
    perCheck[check] = { feature: round(f), passed: f >= 0 };
    if (f < 0) reasons.push(check === 'cnn' && cnn.face_detected_ratio !== null && cnn.face_detected_ratio < 0.5 ? 'cnn:no_face_in_crops' : check === 'light_challenge' && light?.reason ? `light_challenge:${light.reason}` : AGAINST[check]);
  }
  const missing = policy.required_checks.some((c) => features[c] === null);
  const score = Math.round(sigmoid(z) * 100);
  const live = !missing && score >= t.min_score;
  checks.fusion = { log_odds: round(z), features: perCheck, min_score: t.min_score };
  for (const [check, v] of Object.entries(perCheck)) if (checks[check] && typeof checks[check] === 'object') Object.assign(checks[check] as object, v);
  if (!live && reasons.length === 0) reasons.push('score:below_threshold');
  // Confidence grows with the distance from the operating point (0.5 at it).
  const confidence = Math.round((0.5 + 0.5 * Math.min(1, Math.abs(score - t.min_score) / 40)) * 100) / 100;
  // A live verdict carries no reasons; the checks that spoke against it stay in `checks`.
  return { kind: 'verdict', verdict: live ? 'live' : 'spoof', score, confidence, checks, reasons: live ? [] : reasons };
}
