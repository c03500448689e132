// Per-check features for the calibrated fusion: each check's evidence as one continuous number,
// centred on the check's own threshold from the policy (0 = at the threshold, > 0 = evidence of a
// live face, < 0 = evidence of an attack) and scaled so that one unit is a clear margin. The
// fusion (fusion.ts) weighs them with the fitted parameters (server/policies/fusion-params.ts);
// the offline calibration (test/eval/lib/pad-fit.ts) fits those parameters on the same numbers.
import { CNN_MAX_SUPPORT, CNN_MIN_FACE_RATIO, EXPRESSION_FULL_ENERGY, EXPRESSION_STILL_ENERGY, EXPRESSION_THRESHOLD, MOTION_FULL_PAIRS, MOTION_MIN_PAIRS, type CheckName, type Thresholds } from '../policies/defaults.ts';
import type { CnnResult } from './cnn.ts';
import type { FrameEvidence } from './evidence.ts';

/**
 * The fused features: one per check, plus `expression`, the motion check's second number (a face
 * that changes shape: blinks, talking; workers/face/expression.ts).
 */
export const FEATURES = ['pulse', 'cnn', 'motion', 'expression', 'light_challenge'] as const;
export type FeatureName = (typeof FEATURES)[number];
export type CheckFeatures = Record<FeatureName, number | null>;
/** The check each feature speaks for: a feature counts when its check is required. */
export const FEATURE_CHECK: Readonly<Record<FeatureName, CheckName>> = {
  pulse: 'pulse', cnn: 'cnn', motion: 'motion', expression: 'motion', light_challenge: 'light_challenge',
};

const clamp = (v: number, lo: number, hi: number) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : v > 0 ? hi : lo);
const logit = (p: number) => Math.log(p / (1 - p));
/** CNN probabilities are clipped here before the logit: a softmax of 1.0 says no more than 0.9999. */
const P_EPS = 1e-4;
/**
 * Top of the light-challenge feature (see below): 0, a passed challenge adds nothing. Lowered from
 * 0.5 (+4 log-odds at weight 8) after the high-risk run of 2026-11-30 with screen reflection
 * simulated (docs/EVALUATION.md): a photo of a real face held in front of the screen reflects the
 * colours as skin does, and the challenge's support alone carried it from 48 to 96.
 */
const LIGHT_MAX = 0;

/**
 * The features of one capture. null: the check could not judge (no estimate, model missing);
 * such a check adds nothing to the fused score (fusion.ts decides what a missing required check
 * means).
 */
export function checkFeatures(evidence: FrameEvidence, cnn: CnnResult, t: Thresholds): CheckFeatures {
  const { pulse, motion, light_challenge: light } = evidence;
  // Pulse: z above white noise, in units of 4 sigma from the threshold; no estimate at all
  // (too few frames with a face) counts as a clear absence. Asymmetric: no pulse is evidence of a
  // photo or a mask, but a pulse only says a real person was filmed, and a replayed video carries
  // its pulse too (a monitor replay measured z 4.5-11): at most +1.
  const pulseF = Number.isFinite(pulse.snr_z) ? clamp((pulse.snr_z - t.pulse_min_snr_z) / 4, -1, 1) : -1;
  // CNN: log-odds from the threshold's log-odds, 2 nats a unit, down to -3: a screen or a print
  // reads p < 0.001 (measured 0-0.03), which is stronger evidence than anything a genuine face
  // gave (lowest 0.27), so the CNN's veto reaches further than its support, which stops at +1
  // (CNN_MAX_SUPPORT): it called both photos of real faces live at 0.92-0.99. Crops with no face
  // found in them say nothing about a face: the strongest evidence against.
  let cnnF: number | null = null;
  if (cnn.available && cnn.live_probability !== null) {
    const p = clamp(cnn.live_probability, P_EPS, 1 - P_EPS);
    const th = clamp(t.cnn_min_live_probability, P_EPS, 1 - P_EPS);
    cnnF = cnn.face_detected_ratio !== null && cnn.face_detected_ratio < CNN_MIN_FACE_RATIO ? -3 : clamp((logit(p) - logit(th)) / 2, -3, CNN_MAX_SUPPORT);
  }
  // Motion: log2 of the planarity residual over its threshold, weighted by how many informative
  // pairs it rests on; a still head (too few pairs) says nothing either way. The landmark-ratio
  // rule's `planar` is the strongest evidence against. Asymmetric: a rigid plane is evidence of a
  // photo (down to -2), but a non-planar motion only says "not a photo", which a replayed video of
  // a real head is too (a monitor replay measured residuals 0.07-0.11, above live heads): at most +1.
  let motionF = 0;
  if (motion.planarity_evidence === 'planar') motionF = -2;
  else if (motion.informative_pairs >= MOTION_MIN_PAIRS && motion.planarity_residual !== null && motion.planarity_residual > 0) {
    const confidence = Math.min(1, motion.informative_pairs / MOTION_FULL_PAIRS);
    motionF = confidence * clamp(Math.log2(motion.planarity_residual / t.planarity_max_residual), -2, 1);
  }
  // Light challenge (high risk): its response score from the threshold, 0.35 a unit; a challenge
  // the signal core refused (no correlation at a plausible lag) counts as a clear absence. It is
  // the check against injected recordings, which pass every other check: its weight is large
  // (fusion-params.ts), so a failed challenge refuses a capture the other checks call live. It has
  // no positive side: a face that answers the screen's light proves something physical in front
  // of the display, which a print, a photo or a phone replaying a video is too.
  // Expression: log2 of the activity over its threshold (EXPRESSION_THRESHOLD, between a moved
  // photo's most and a moving face's least). Above it, evidence of a face that is not a picture, at
  // most +1 (a replayed video of a person blinks too); below it, evidence of a picture, down to -2,
  // but only in proportion to how much the face moved as a whole: a picture moved by a hand keeps
  // its shape, a still face simply kept still.
  const activity = motion.expression?.activity ?? null;
  let expressionF: number | null = null;
  if (activity !== null) {
    const a = Math.log2(Math.max(activity, 1e-3) / EXPRESSION_THRESHOLD);
    const moved = clamp((motion.motion_energy - EXPRESSION_STILL_ENERGY) / (EXPRESSION_FULL_ENERGY - EXPRESSION_STILL_ENERGY), 0, 1);
    expressionF = a >= 0 ? Math.min(1, a) : moved * Math.max(-2, a);
  }
  const lightF = light ? (light.passed ? clamp((light.score - t.light_challenge_min_score) / 0.35, -1, LIGHT_MAX) : -1) : null;
  return { pulse: pulseF, cnn: cnnF, motion: motionF, expression: expressionF, light_challenge: lightF };
}
