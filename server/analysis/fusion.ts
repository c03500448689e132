// Fusion: per-check results and the policy's thresholds -> score 0-100, confidence, verdict.
// Pure and synchronous; every threshold comes from the policy (server/policies/defaults.ts).
import { AGREEMENT, CHECK_WEIGHTS, MOTION_MIN_PAIRS, type PolicyConfig } from '../policies/defaults.ts';
import type { CnnResult } from './cnn.ts';
import type { FrameEvidence } from './evidence.ts';

export type Outcome =
  | { kind: 'verdict'; verdict: 'live' | 'spoof'; score: number; confidence: number; checks: Record<string, unknown>; reasons: string[] }
  | { kind: 'quality_failed'; reasons: string[]; checks: Record<string, unknown> };

/** Whether the client's trace describes the pixels the server sees (null: too little to compare). */
export function clientAgreement(pulse: FrameEvidence['pulse']): boolean | null {
  if (pulse.frames_compared < AGREEMENT.min_frames || pulse.trace_correlation === null || pulse.level_gap === null) return null;
  return pulse.trace_correlation >= AGREEMENT.min_correlation && pulse.level_gap <= AGREEMENT.max_level_gap;
}

const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
const round = (v: number, digits = 3) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits);

interface CheckOutcome {
  passed: boolean;
  /** 0..1 contribution to the score. */
  strength: number;
  reason?: string;
}

export function fuse(evidence: FrameEvidence, cnn: CnnResult, policy: PolicyConfig): Outcome {
  const t = policy.thresholds;
  const { integrity, quality, pulse, motion, light_challenge: light } = evidence;
  const agreement = clientAgreement(pulse);

  const checks: Record<string, unknown> = {
    integrity: { passed: integrity.passed, reasons: integrity.reasons, frames: integrity.frames, fps: round(integrity.fps, 1) },
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

  const results: Record<keyof typeof CHECK_WEIGHTS, CheckOutcome> = {
    pulse: (() => {
      // Numbers the client made up (or edited) are tampering whatever the pulse looks like.
      if (agreement === false) return { passed: false, strength: 0, reason: 'pulse:client_disagrees' };
      // Strength: 0.5 at the threshold, 1 three standard deviations above it.
      const strength = clamp01(0.5 + (pulse.snr_z - t.pulse_min_snr_z) / 6);
      if (!(pulse.snr_z >= t.pulse_min_snr_z)) return { passed: false, strength: Math.min(strength, 0.45), reason: 'pulse:not_detected' };
      return { passed: true, strength };
    })(),
    cnn: (() => {
      if (!cnn.available || cnn.live_probability === null) return { passed: false, strength: 0, reason: `cnn:${cnn.reason ?? 'unavailable'}` };
      if (cnn.face_detected_ratio !== null && cnn.face_detected_ratio < 0.5) return { passed: false, strength: 0, reason: 'cnn:no_face_in_crops' };
      const p = cnn.live_probability;
      return p >= t.cnn_min_live_probability ? { passed: true, strength: p } : { passed: false, strength: p, reason: 'cnn:presentation_attack' };
    })(),
    motion: (() => {
      // Only clear evidence fails: a photo moved by hand keeps a small homography residual over
      // many informative pairs (0.010-0.014 measured, live heads 0.054-0.063); a still head gives
      // too little motion to judge either way (docs/CALIBRATION.md).
      const rigid = motion.informative_pairs >= MOTION_MIN_PAIRS && motion.planarity_residual !== null && motion.planarity_residual < t.planarity_max_residual;
      if (motion.planarity_evidence === 'planar' || rigid) return { passed: false, strength: 0, reason: 'motion:planar' };
      return { passed: true, strength: motion.planarity_evidence === 'non_planar' ? 1 : 0.6 };
    })(),
    light_challenge: (() => {
      if (!light) return { passed: false, strength: 0, reason: 'light_challenge:not_run' };
      const passed = light.passed && light.score >= t.light_challenge_min_score;
      return passed ? { passed: true, strength: Math.min(1, light.score / 0.7) } : { passed: false, strength: light.score * 0.5, reason: `light_challenge:${light.reason ?? 'weak_response'}` };
    })(),
  };

  let weighted = 0;
  let weights = 0;
  const reasons: string[] = [];
  for (const check of policy.required_checks) {
    const result = results[check];
    weighted += CHECK_WEIGHTS[check] * result.strength;
    weights += CHECK_WEIGHTS[check];
    if (!result.passed && result.reason) reasons.push(result.reason);
  }
  const score = Math.round((weights ? weighted / weights : 0) * 100);
  const live = reasons.length === 0 && score >= t.min_score;
  if (!live && reasons.length === 0) reasons.push('score:below_threshold');
  // Confidence grows with the distance from the decision threshold (0.5 at the threshold).
  const confidence = Math.round((0.5 + 0.5 * Math.min(1, Math.abs(score - t.min_score) / 40)) * 100) / 100;
  return { kind: 'verdict', verdict: live ? 'live' : 'spoof', score, confidence, checks, reasons };
}
