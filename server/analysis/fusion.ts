// Fusion: per-check features -> one calibrated score 0-100 (a logistic regression fitted with
// leave-one-subject-out cross-validation, docs/CALIBRATION.md) -> verdict at the risk level's
// operating point (`min_score`). No single check decides alone, except proof of tampering:
// failed integrity (nonce, attempt, sequence, timing, frozen or replayed frames) and a client
// whose numbers do not describe its own pixels. Pure and synchronous; every threshold comes from
// the policy (server/policies/defaults.ts).
import type { Verdict } from '../../workers/protocol/index.ts';
import { AGREEMENT, CHECK_WEIGHTS, FUSION_BIAS, MIN_FINE_DETAIL, MIN_TONAL_RANGE, type CheckName, type PolicyConfig } from '../policies/defaults.ts';
import type { Checks, FusionReading } from './checks.ts';
import type { CnnResult } from './cnn.ts';
import type { FrameEvidence } from './evidence.ts';
import { checkFeatures, FEATURE_CHECK, FEATURES, type FeatureName } from './features.ts';

export type Outcome =
  | { kind: 'verdict'; verdict: Verdict; score: number; confidence: number; checks: Checks; reasons: string[] }
  | { kind: 'quality_failed'; reasons: string[]; checks: Checks };

/** Whether the client's trace describes the pixels the server sees (null: too little to compare). */
export function clientAgreement(pulse: FrameEvidence['pulse']): boolean | null {
  if (pulse.frames_compared < AGREEMENT.min_frames || pulse.trace_correlation === null || pulse.level_gap === null) return null;
  return pulse.trace_correlation >= AGREEMENT.min_correlation && pulse.level_gap <= AGREEMENT.max_level_gap;
}

const round = (v: number, digits = 3) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Why a check spoke against a live face (its feature below its own threshold). */
const AGAINST: Record<FeatureName, string> = {
  pulse: 'pulse:not_detected',
  cnn: 'cnn:presentation_attack',
  motion: 'motion:planar',
  expression: 'motion:no_expression',
  light_challenge: 'light_challenge:weak_response',
};

/**
 * The quality gate with the picture gates added (measured on the CNN's context crops): fine detail
 * (`low_detail`) and tonal range (`low_contrast`). Not measured (no crop held a face big enough):
 * no gate, the checks decide.
 */
function withPictureGates(quality: FrameEvidence['quality'], cnn: CnnResult): { passed: boolean; reasons: string[]; metrics: FrameEvidence['quality']['metrics'] } {
  const below = (value: number | null | undefined, min: number) => value !== null && value !== undefined && value < min;
  const reasons = [...(below(cnn.fine_detail, MIN_FINE_DETAIL) ? ['low_detail'] : []), ...(below(cnn.tonal_range, MIN_TONAL_RANGE) ? ['low_contrast'] : [])];
  return reasons.length ? { ...quality, passed: false, reasons: [...quality.reasons, ...reasons] } : quality;
}

export function fuse(evidence: FrameEvidence, cnn: CnnResult, policy: PolicyConfig): Outcome {
  const t = policy.thresholds;
  const { integrity, pulse, motion, light_challenge: light } = evidence;
  const agreement = clientAgreement(pulse);
  const quality = withPictureGates(evidence.quality, cnn);

  const checks: Checks = {
    integrity: { passed: integrity.passed, reasons: integrity.reasons, frames: integrity.frames, fps: round(integrity.fps, 1), repeats: integrity.repeats?.kind ?? 'none', artefacts: integrity.artefacts ?? [], ...(integrity.extended_ms > 0 ? { extended_ms: integrity.extended_ms } : {}) },
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
      expression: motion.expression?.activity === null || motion.expression?.activity === undefined ? null : round(motion.expression.activity, 2),
    },
    cnn: { live_probability: round(cnn.live_probability ?? NaN), per_model: cnn.per_model, frames: cnn.frames, face_detected_ratio: round(cnn.face_detected_ratio ?? NaN), fine_detail: round(cnn.fine_detail ?? NaN), tonal_range: round(cnn.tonal_range ?? NaN) },
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
  const perCheck: Partial<Record<FeatureName, { feature: number | null; passed: boolean }>> = {};
  const required = new Set<CheckName>(policy.required_checks);
  for (const feature of FEATURES) {
    const check = FEATURE_CHECK[feature];
    if (!required.has(check)) continue;
    const f = features[feature];
    if (f === null) {
      // A required check that could not run (model missing, no challenge) cannot vouch for a
      // live face: refused, with its reason. The expression feature only adds to motion's.
      if (feature === 'expression') continue;
      reasons.push(check === 'cnn' ? `cnn:${cnn.reason ?? 'unavailable'}` : `${check}:not_run`);
      z -= CHECK_WEIGHTS[feature] * 2;
      continue;
    }
    z += CHECK_WEIGHTS[feature] * f;
    perCheck[feature] = { feature: round(f), passed: f >= 0 };
    if (f < 0) reasons.push(feature === 'cnn' && cnn.face_detected_ratio !== null && cnn.face_detected_ratio < 0.5 ? 'cnn:no_face_in_crops' : feature === 'light_challenge' && light?.reason ? `light_challenge:${light.reason}` : AGAINST[feature]);
  }
  const missing = policy.required_checks.some((c) => features[c] === null);
  const score = Math.round(sigmoid(z) * 100);
  const live = !missing && score >= t.min_score;
  checks.fusion = { log_odds: round(z), features: perCheck, min_score: t.min_score };
  for (const check of policy.required_checks) {
    const reading = perCheck[check];
    if (reading && checks[check]) Object.assign(checks[check], reading);
  }
  if (!live && reasons.length === 0) reasons.push('score:below_threshold');
  // Confidence grows with the distance from the operating point (0.5 at it).
  const confidence = Math.round((0.5 + 0.5 * Math.min(1, Math.abs(score - t.min_score) / 40)) * 100) / 100;
  // A live verdict carries no reasons; the checks that spoke against it stay in `checks`.
  return { kind: 'verdict', verdict: live ? 'live' : 'spoof', score, confidence, checks, reasons: live ? [] : reasons };
}
