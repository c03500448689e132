// Policy defaults: the one documented place for risk levels, required checks and thresholds.
// A tenant's stored policy or a session's inline overrides are merged over these.
import { BrandingSchema, RiskLevelSchema, type RiskLevel } from '../../workers/protocol/index.ts';
import { z } from 'zod';
import { FUSION_PARAMS } from './fusion-params.ts';
import type { QualityThresholds } from '../../workers/face/quality-gates.ts';

export const CHECKS = ['pulse', 'cnn', 'light_challenge', 'motion'] as const;
export type CheckName = (typeof CHECKS)[number];
export const FRAME_COUNTS = [10, 30, 60, 90, 120] as const;
export type FrameCount = (typeof FRAME_COUNTS)[number];
/** Face comparison bound to user_identifier (server/identity): off by default, embeddings are biometric data. */
export const IDENTITY_MODES = ['off', 'enroll', 'enroll_or_match', 'match'] as const;
export type IdentityMode = (typeof IDENTITY_MODES)[number];

export const ThresholdsSchema = z.object({
  min_score: z.number().min(0).max(100).describe('Fused score (0-100, the calibrated probability of a live face x 100) at or above which the verdict is live: the risk level\'s operating point'),
  pulse_min_snr_z: z.number().min(0).max(20).describe('Pulse SNR, in standard deviations above white noise fused the same way, at or above which a pulse counts as present'),
  cnn_min_live_probability: z.number().min(0).max(1).describe('MiniFASNet live probability at or above which the CNN check passes'),
  light_challenge_min_score: z.number().min(0).max(1).describe('Light-challenge response score at or above which the challenge passes'),
  planarity_max_residual: z.number().min(0).max(1).describe('Homography residual / inter-ocular distance under which motion with at least 5 informative frame pairs counts as planar'),
  min_face_present_ratio: z.number().min(0).max(1).describe('Share of frames with a face required by the quality gate'),
});
export type Thresholds = z.infer<typeof ThresholdsSchema>;

/** Upper bound of a policy's `capture_extension_ms`. */
export const MAX_CAPTURE_EXTENSION_MS = 10_000;
/**
 * Adaptive capture length: how long a capture whose pulse is still borderline at its planned end
 * may go on, when the policy does not say (docs/CALIBRATION.md, "Adaptive capture length").
 */
export const DEFAULT_CAPTURE_EXTENSION_MS = 3000;

/** The extension a policy allows (stored policies from before the field carry none: the default). */
export function captureExtensionMs(policy: Pick<PolicyConfig, 'capture_extension_ms'>): number {
  return policy.capture_extension_ms ?? DEFAULT_CAPTURE_EXTENSION_MS;
}

export const PolicyConfigSchema = z.object({
  risk_level: RiskLevelSchema.describe('standard: pulse, CNN and motion; high adds the light challenge'),
  frame_count: z.union(FRAME_COUNTS.map((n) => z.literal(n)) as unknown as [z.ZodLiteral<10>, z.ZodLiteral<30>, z.ZodLiteral<60>, z.ZodLiteral<90>, z.ZodLiteral<120>]).describe('CNN frames analysed per capture'),
  required_checks: z.array(z.enum(CHECKS)).min(1).describe('Checks that must pass for a live verdict'),
  thresholds: ThresholdsSchema,
  max_attempts: z.number().int().min(1).max(10).describe('Captures allowed per session; a failed quality gate uses one'),
  timeout_s: z.number().int().min(30).max(600).describe('Seconds before a pending or in-progress session expires'),
  capture_duration_ms: z.number().int().min(3000).max(30000).describe('Length of one capture'),
  capture_extension_ms: z
    .number().int().min(0).max(MAX_CAPTURE_EXTENSION_MS)
    .optional()
    .describe('Max ms past capture_duration_ms while the pulse is borderline (default 3000)'),
  success_redirect_url: z.string().url().nullable().describe('Where the page sends the person after a live verdict'),
  failure_redirect_url: z.string().url().nullable().describe('Where the page sends the person after a failure'),
  identity: z.enum(IDENTITY_MODES).optional().describe('Face comparison with the enrolled template of user_identifier (off by default; otherwise user_identifier is required)'),
  branding: BrandingSchema.nullable().optional().describe("The tenant's name, logo and accent colour on the page (stored policies only, not per session)"),
});
export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;

/** Partial overrides, deep for thresholds. */
export const PolicyOverridesSchema = PolicyConfigSchema.omit({ thresholds: true })
  .partial()
  .extend({ thresholds: ThresholdsSchema.partial().optional() })
  .strict();
export type PolicyOverrides = z.infer<typeof PolicyOverridesSchema>;

// Thresholds and the fusion are calibrated on every face set of ../shared/data (docs/CALIBRATION.md says how and on what);
// change them here only.
export const DEFAULT_THRESHOLDS: Thresholds = {
  min_score: 50,
  pulse_min_snr_z: 2,
  cnn_min_live_probability: 0.5,
  light_challenge_min_score: 0.35,
  planarity_max_residual: 0.025,
  min_face_present_ratio: 0.5,
};

// Fixed parts of the decision, documented with the thresholds (docs/CALIBRATION.md); not per policy.

/**
 * Weight of each check's feature in the fused log-odds (server/analysis/features.ts), and the
 * bias: fitted by leave-one-subject-out calibration (docs/CALIBRATION.md), kept in
 * fusion-params.ts which the calibration command regenerates.
 */
/** Fusion weight per feature (server/analysis/features.ts FEATURES: the checks plus `expression`). */
export const CHECK_WEIGHTS: Readonly<Record<CheckName | 'expression', number>> = FUSION_PARAMS.weights;
export const FUSION_BIAS: number = FUSION_PARAMS.bias;

/**
 * The client's ROI numbers against the server's own sampling of the same crops (calibrated in
 * docs/CALIBRATION.md): the detrended green traces must correlate and the nine ROI means must sit
 * within a few levels of each other. Genuine captures measured correlation 0.82-0.99 and a gap
 * <= 1.2. The page's own heart rate is not compared: on a 6 s capture both sides' peaks are
 * noisy (42 vs 60 bpm on one genuine capture), while the traces pin down the pixels exactly.
 */
export const AGREEMENT = { min_frames: 30, min_correlation: 0.5, max_level_gap: 12 } as const;

/**
 * Informative landmark pairs the residual threshold needs before it may fail a capture: a still
 * head yields 0-1 (its one pair can sit as low as a print's), a photo moved by hand 19-49 when the
 * page runs landmarks at full cadence (docs/CALIBRATION.md).
 */
export const MOTION_MIN_PAIRS = 5;

/** Informative landmark pairs at which the planarity residual counts fully (server/analysis/features.ts). */
export const MOTION_FULL_PAIRS = 20;
/** Share of CNN crops with a face under which the CNN's answer is not about a face. */
export const CNN_MIN_FACE_RATIO = 0.5;
/**
 * Top of the CNN feature (server/analysis/features.ts): its support for a live face is weaker
 * evidence than its veto. Lowered from 2 to 1 after the cross-validated figures of 2026-11-30
 * showed a photo of a real face accepted on the CNN's support alone (docs/CALIBRATION.md).
 */
export const CNN_MAX_SUPPORT = 1;
/**
 * Expression activity (workers/face/expression.ts, 1 = the most a moved photo reached on run 1) at
 * which the expression feature is 0 (server/analysis/features.ts): between the pictures moved by a
 * hand (at most 0.95 on runs 1-3) and the live faces that moved (at least 1.5), as every other
 * feature sits at its check's threshold. It was 1, the pictures' own top, which left a moved photo
 * next to the threshold instead of against it. 1.4 was chosen from 1, 1.25, 1.4, 1.6 and 2 as the
 * widest cross-validated margin on runs 1-3 (docs/EVALUATION.md; above it a replayed video, whose
 * expression stays at its cap, climbs towards acceptance as the fit leans less on the CNN).
 */
export const EXPRESSION_THRESHOLD = 1.4;
/**
 * Whole-face motion (MotionSummary.motion_energy, inter-ocular units squared per pair interval)
 * between which a face that never changed shape counts from nothing to fully as a picture. A face
 * held still says nothing (a very still person, the evm-face recording: energy 0-0.00001, also when
 * smaller in the frame and the landmarks jitter more); a photo moved by a hand measured 0.014-0.05,
 * genuine faces sitting still 0.0001-0.002.
 */
export const EXPRESSION_STILL_ENERGY = 0.002;
export const EXPRESSION_FULL_ENERGY = 0.01;

/**
 * Fixed gates of the server's evidence recomputation (server/analysis/evidence.ts), not per
 * policy: what a capture must look like before any check runs on it.
 */
export const EVIDENCE_GATES = {
  /** Upload and request latency between the page's t = 0 and the server's start, and after the last frame (ms). */
  timing_tolerance_ms: 2500,
  /** A frame may fall this far past the capture's end (the page's frame clock and its cut-off). */
  frame_interval_slack_ms: 100,
  /** Share of the planned duration the frames must span. */
  min_coverage: 0.6,
  /** A frame rate above plan fps x this + max_fps_margin no camera following the plan delivers. */
  max_fps_ratio: 1.25,
  max_fps_margin: 2,
  /** Share of undecodable crops above which the evidence is refused. */
  max_undecodable_share: 0.1,
  /** Camera artefacts (quality signals): frame intervals varying by more than this CV, new content below this rate. */
  variable_frame_rate_cv: 1 / 3,
  low_distinct_fps: 14,
} as const;

/**
 * The server's quality gate over the policy's thresholds. Timing: the server resamples by
 * timestamp, so uneven delivery from a busy browser (jitter CV up to ~0.9 measured on a loaded
 * 2-core machine) is no reason to burn an attempt; long gaps still are. Exposure: what the checks
 * need, not what looks good: a dim face is a quality signal the fusion weighs (a weak pulse scores
 * low by itself), and only a face too dark for any check to work is sent back. Measured on the
 * recordings (docs/CALIBRATION.md): a webcam face at median crop luma 46 still gave pulse z 7.6
 * and CNN 0.996; the page's guidance keeps its own, stricter coaching.
 */
export const SERVER_QUALITY_OVERRIDES: Partial<QualityThresholds> = { maxJitterCv: 1.0, maxFrameGapMs: 500, minMeanLuma: 25, maxDarkShare: 0.75 };

/**
 * Fine-detail ratio of the face in the context crops (workers/face/fine-detail.ts) under which the
 * capture fails the quality gate (`quality:low_detail`): a face with edges but no texture between
 * them, whether out of focus, smoothed away by the camera or re-captured from a screen, is no face
 * the checks can judge. Set from genuine presentations only (docs/CALIBRATION.md, "Fine detail"):
 * no attack was used to place it. Fixed, not per policy: an agent cannot lower it.
 */
export const MIN_FINE_DETAIL = 0.46;

/**
 * Tonal range of the face in the context crops (workers/face/fine-detail.ts) under which the
 * capture fails the quality gate (`quality:low_contrast`): a face whose darkest features are washed
 * out, behind glare or haze on the lens or re-captured from a screen whose black is lit by the room,
 * is no face the checks can judge. Set from genuine presentations only, by the fine-detail rule
 * (docs/CALIBRATION.md, "Tonal range"); fixed, not per policy.
 */
export const MIN_TONAL_RANGE = 0.43;

/** The quality gate's thresholds for a policy: the server's overrides plus the policy's face-presence share. */
export function evidenceQualityThresholds(t: Thresholds): Partial<QualityThresholds> {
  return { ...SERVER_QUALITY_OVERRIDES, minFacePresent: t.min_face_present_ratio };
}

export const RISK_LEVELS = {
  standard: {
    description: 'Everyday approvals: pulse, CNN anti-spoofing and motion/planarity, fused into one calibrated score.',
    frame_count: 10,
    min_score: 50,
    required_checks: ['pulse', 'cnn', 'motion'],
  },
  high: {
    description: 'Consequential actions: adds the random screen-light challenge and a stricter operating point.',
    frame_count: 30,
    min_score: 70,
    required_checks: ['pulse', 'cnn', 'motion', 'light_challenge'],
  },
} as const satisfies Record<RiskLevel, { description: string; frame_count: FrameCount; min_score: number; required_checks: readonly CheckName[] }>;

export function defaultPolicy(riskLevel: RiskLevel = 'standard'): PolicyConfig {
  const level = RISK_LEVELS[riskLevel];
  return {
    risk_level: riskLevel,
    frame_count: level.frame_count,
    required_checks: [...level.required_checks],
    thresholds: { ...DEFAULT_THRESHOLDS, min_score: level.min_score },
    max_attempts: 3,
    timeout_s: 300,
    capture_duration_ms: riskLevel === 'high' ? 7000 : 6000,
    capture_extension_ms: DEFAULT_CAPTURE_EXTENSION_MS,
    success_redirect_url: null,
    failure_redirect_url: null,
    identity: 'off',
  };
}

/**
 * Merges overrides over a base policy. A risk level given without explicit checks or frame count
 * brings that level's defaults along.
 */
export function resolvePolicy(base: PolicyConfig, overrides: PolicyOverrides = {}): PolicyConfig {
  const levelChanged = overrides.risk_level !== undefined && overrides.risk_level !== base.risk_level;
  // A new level brings its operating point unless the base had moved min_score off its own.
  const keptScore = (level: RiskLevel) => (base.thresholds.min_score === RISK_LEVELS[base.risk_level].min_score ? RISK_LEVELS[level].min_score : base.thresholds.min_score);
  const start = levelChanged ? { ...defaultPolicy(overrides.risk_level), thresholds: { ...base.thresholds, min_score: keptScore(overrides.risk_level!) } } : base;
  const { thresholds, ...rest } = overrides;
  const merged = { ...start, ...stripUndefined(rest), thresholds: { ...start.thresholds, ...stripUndefined(thresholds ?? {}) } };
  return PolicyConfigSchema.parse(merged);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
