// What the analysis reports per check: the `checks` object of the fusion's outcome, stored with the
// attempt and signed into the attestation. Numbers are rounded for the report (null where the
// value was not finite); `feature` and `passed` are the fusion's reading of a required check.
import type { PlanarityEvidence } from '../../workers/face/motion-analysis.ts';
import type { LightChallengeReason } from '../../workers/signal/light-challenge.ts';
import type { PulseMethod } from '../../workers/signal/pulse.ts';
import type { CheckName } from '../policies/defaults.ts';
import type { RepeatKind } from './repeats.ts';

/** The fusion's reading of one required check: its feature (0 at the threshold) and whether it spoke for a live face. */
export type FusionReading = { feature?: number | null; passed?: boolean };

export type IntegrityCheck = {
  passed: boolean;
  reasons: string[];
  frames: number;
  fps: number | null;
  repeats: RepeatKind;
  /** Camera artefacts seen (quality signals, never tampering). */
  artefacts: string[];
  /** How far the page extended the capture past its plan while the pulse was borderline (ms). */
  extended_ms?: number;
};

export type QualityCheck = { passed: boolean; reasons: string[]; face_present_ratio: number | null; face_size: number | null };

export type PulseCheck = FusionReading & {
  heart_rate_bpm: number | null;
  snr_db: number | null;
  /** Whether the client's trace describes the pixels the server sees (null: too little to compare). */
  agreement: boolean | null;
  snr_z: number | null;
  method: PulseMethod | null;
  trace_correlation: number | null;
  level_gap: number | null;
};

export type LightChallengeCheck = FusionReading & {
  passed: boolean;
  score: number | null;
  lag_ms: number;
  correlation: number | null;
  reason?: LightChallengeReason | 'context_missing' | 'context_disagrees';
};

export type MotionCheck = FusionReading & {
  planarity_residual: number | null;
  planarity: PlanarityEvidence;
  motion_energy: number | null;
  blinks: number;
  /** Expression activity (workers/face/expression.ts; 1 = as much shape change as a moved photo); null with too few landmark frames. */
  expression: number | null;
};

export type CnnCheck = FusionReading & {
  live_probability: number | null;
  per_model: Record<string, number>;
  frames: number;
  face_detected_ratio: number | null;
  /** Fine detail of the face in the crops (quality gate `low_detail` under MIN_FINE_DETAIL); absent before it was measured. */
  fine_detail?: number | null;
  /** Tonal range of the face in the crops (quality gate `low_contrast` under MIN_TONAL_RANGE); absent before it was measured. */
  tonal_range?: number | null;
};

/** How the required checks were weighed into the score. */
export type FusionSummary = {
  log_odds: number | null;
  /** Per fused feature: the checks, plus `expression` (the motion check's second feature). */
  features: Partial<Record<CheckName | 'expression', { feature: number | null; passed: boolean }>>;
  min_score: number;
};

/** A type alias, not an interface: it is a `Record<string, unknown>` to the attestation's wire schema. */
export type Checks = {
  integrity: IntegrityCheck;
  quality: QualityCheck;
  pulse: PulseCheck;
  /** null: the policy ran no light challenge. */
  light_challenge: LightChallengeCheck | null;
  motion: MotionCheck;
  cnn: CnnCheck;
  /** Present once the evidence passed integrity and quality and the checks were fused. */
  fusion?: FusionSummary;
};
