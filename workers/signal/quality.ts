/**
 * Whether a heart-rate answer is trustworthy.
 * - Noise-referenced SNR: how many standard deviations the spectral SNR stands above what white
 *   noise reaches in the same configuration (noise-reference.ts). This is the main cue; a fixed
 *   dB threshold cannot serve one 6 s trace and 48 fused ROIs over 6 minutes alike.
 * - Temporal consistency, where the trace holds several analysis windows: the share of windows
 *   agreeing with the answer catches a peak that is strong on average but made of unrelated bursts.
 * - Peak prominence over the runner-up (outside the harmonics) and a minimum duration.
 */

export interface QualityFeatures {
  snrDb: number;
  /** (snrDb - noise mean) / noise sd; see noise-reference.ts. */
  snrZ: number;
  prominenceDb: number;
  /** Share (0..1) of sub-windows whose peak lies within ±tolerance of the answer; null when too short to tell. */
  consistency: number | null;
  durationSeconds: number;
}

export interface QualityGate {
  /** Standard deviations above the white-noise SNR. 3 chosen a priori (about 1 in 700 for a normal null). */
  minSnrZ: number;
  /** Absolute SNR floor (dB); off by default (the z-score already adapts to the configuration). */
  minSnrDb: number;
  minProminenceDb: number;
  minConsistency: number;
  minDurationSeconds: number;
}

export const DEFAULT_QUALITY_GATE: QualityGate = {
  minSnrZ: 3,
  minSnrDb: -Infinity,
  minProminenceDb: 0,
  minConsistency: 0.5,
  minDurationSeconds: 5,
};

export type QualityReason = 'too_short' | 'low_snr' | 'ambiguous_peak' | 'inconsistent';

export interface QualityAssessment {
  /** 0..1, rising with the noise-referenced SNR and consistency; 0.5 at the gate. */
  quality: number;
  confident: boolean;
  reasons: QualityReason[];
}

function logistic(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  return 1 / (1 + Math.exp(-x));
}

export function assessQuality(f: QualityFeatures, gate: QualityGate = DEFAULT_QUALITY_GATE): QualityAssessment {
  const reasons: QualityReason[] = [];
  if (f.durationSeconds < gate.minDurationSeconds) reasons.push('too_short');
  if (!(f.snrZ >= gate.minSnrZ) || !(f.snrDb >= gate.minSnrDb)) reasons.push('low_snr');
  if (!(f.prominenceDb >= gate.minProminenceDb)) reasons.push('ambiguous_peak');
  if (f.consistency !== null && f.consistency < gate.minConsistency) reasons.push('inconsistent');
  // Geometric mean of per-cue logistic scores, each 0.5 at its threshold.
  const cues = [logistic(f.snrZ - gate.minSnrZ)];
  if (f.consistency !== null) cues.push(logistic((f.consistency - gate.minConsistency) * 10));
  const q = Math.pow(cues.reduce((a, b) => a * b, 1), 1 / cues.length);
  return { quality: q, confident: reasons.length === 0, reasons };
}
