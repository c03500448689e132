/**
 * Whether a heart-rate answer is trustworthy. The spectral SNR is the main cue: a clear pulse
 * concentrates power at the peak and its harmonic. Where the trace is long enough for several
 * analysis windows, the share of windows agreeing with the overall answer (temporal consistency)
 * catches a peak that is strong on average but made of unrelated bursts (motion, lighting).
 */

export interface QualityFeatures {
  snrDb: number;
  prominenceDb: number;
  /** Share (0..1) of sub-windows whose peak lies within ±tolerance of the answer; null when too short to tell. */
  consistency: number | null;
  durationSeconds: number;
}

export interface QualityGate {
  minSnrDb: number;
  minProminenceDb: number;
  minConsistency: number;
  minDurationSeconds: number;
}

/** Chosen on the evaluation sets; see docs/EVALUATION.md for how and the overfitting caveat. */
export const DEFAULT_QUALITY_GATE: QualityGate = {
  minSnrDb: 0,
  minProminenceDb: 1,
  minConsistency: 0.5,
  minDurationSeconds: 5,
};

export type QualityReason = 'too_short' | 'low_snr' | 'ambiguous_peak' | 'inconsistent';

export interface QualityAssessment {
  /** 0..1, rising with SNR, prominence and consistency; 0.5 sits near the gate. */
  quality: number;
  confident: boolean;
  reasons: QualityReason[];
}

function logistic(x: number): number {
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  return 1 / (1 + Math.exp(-x));
}

export function assessQuality(f: QualityFeatures, gate: QualityGate = DEFAULT_QUALITY_GATE): QualityAssessment {
  const reasons: QualityReason[] = [];
  if (f.durationSeconds < gate.minDurationSeconds) reasons.push('too_short');
  if (!(f.snrDb >= gate.minSnrDb)) reasons.push('low_snr');
  if (!(f.prominenceDb >= gate.minProminenceDb)) reasons.push('ambiguous_peak');
  if (f.consistency !== null && f.consistency < gate.minConsistency) reasons.push('inconsistent');
  // Geometric mean of per-cue logistic scores, each 0.5 at its threshold.
  const cues = [logistic((f.snrDb - gate.minSnrDb) / 2), logistic((f.prominenceDb - gate.minProminenceDb) / 1.5)];
  if (f.consistency !== null) cues.push(logistic((f.consistency - gate.minConsistency) * 10));
  const q = Math.pow(cues.reduce((a, b) => a * b, 1), 1 / cues.length);
  return { quality: q, confident: reasons.length === 0, reasons };
}
