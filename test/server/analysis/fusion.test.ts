// Fusion: each check's pass/fail and reason, the weights, integrity -> spoof, quality -> retry.
import { describe, expect, it } from 'vitest';
import type { CnnResult } from '../../../server/analysis/cnn.ts';
import type { FrameEvidence } from '../../../server/analysis/evidence.ts';
import { clientAgreement, fuse } from '../../../server/analysis/fusion.ts';
import { AGREEMENT, CHECK_WEIGHTS, defaultPolicy, resolvePolicy, type PolicyConfig } from '../../../server/policies/defaults.ts';

// A capture every check passes: confident pulse the client agrees with, a non-planar moving face,
// a live CNN with a face in every crop, a strong light-challenge response.
function evidence(patch: { [K in keyof FrameEvidence]?: Partial<FrameEvidence[K]> } = {}): FrameEvidence {
  const base: FrameEvidence = {
    integrity: { passed: true, reasons: [], frames: 180, duration_ms: 5970, fps: 30, duplicate_crops: 0 },
    quality: {
      passed: true,
      reasons: [],
      metrics: {
        frames: 180, face_present_ratio: 1, face_size: 0.4, mean_luma: 120, dark_share: 0.01, clipped_share: 0, sharpness: 200,
        timing: { frames: 180, duration_ms: 5970, fps: 30, median_interval_ms: 33, p95_interval_ms: 40, max_gap_ms: 50, jitter_cv: 0.1, dropped_frames: 0, non_increasing: 0 },
      },
    },
    pulse: { heart_rate_bpm: 66, snr_db: 6, snr_z: 7, method: 'green', trace_correlation: 0.95, level_gap: 1.5, client_heart_rate_bpm: 64, frames_compared: 170 },
    motion: {
      planarity_residual: 0.03, planarity_ratio: 0.7, planar: false, planarity_evidence: 'non_planar', motion_energy: 0.01, shape_change: 0.03,
      landmark_noise: 0.002, pairs: 12, informative_pairs: 8, landmark_frames: 90, blinks: 1,
    },
    light_challenge: { passed: true, score: 0.8, lag_ms: 120, correlation: 0.8, best_lag_ms: 120, best_correlation: 0.8, frames_used: 170 },
    timings_ms: {},
  };
  const out = structuredClone(base) as unknown as Record<string, Record<string, unknown>>;
  for (const [key, value] of Object.entries(patch)) out[key] = value === null ? (null as never) : { ...out[key], ...value };
  return out as unknown as FrameEvidence;
}

const liveCnn: CnnResult = { available: true, live_probability: 0.97, per_model: { MiniFASNetV2: 0.97 }, frames: 10, face_detected_ratio: 1 };
const standard = defaultPolicy('standard');
const high = defaultPolicy('high');

function verdictOf(outcome: ReturnType<typeof fuse>) {
  if (outcome.kind !== 'verdict') throw new Error(`expected a verdict, got ${outcome.kind}: ${outcome.reasons.join(',')}`);
  return outcome;
}

describe('fuse', () => {
  it('gives live with a high score when every required check passes', () => {
    const out = verdictOf(fuse(evidence(), liveCnn, standard));
    expect(out.verdict).toBe('live');
    expect(out.reasons).toEqual([]);
    expect(out.score).toBeGreaterThanOrEqual(standard.thresholds.min_score);
    expect(out.confidence).toBeGreaterThan(0.5);
    expect(out.checks).toMatchObject({ pulse: { heart_rate_bpm: 66, agreement: true }, motion: { blinks: 1 }, cnn: { live_probability: 0.97 } });
  });

  it('fails each standard check on its own with its reason', () => {
    const cases: Array<[string, FrameEvidence, CnnResult]> = [
      ['pulse:not_detected', evidence({ pulse: { snr_db: -4, snr_z: 0.4 } }), liveCnn],
      ['pulse:not_detected', evidence({ pulse: { snr_z: standard.thresholds.pulse_min_snr_z - 0.1 } }), liveCnn],
      ['cnn:presentation_attack', evidence(), { ...liveCnn, live_probability: standard.thresholds.cnn_min_live_probability - 0.01 }],
      ['cnn:no_face_in_crops', evidence(), { ...liveCnn, face_detected_ratio: 0.2 }],
      ['cnn:model_missing', evidence(), { available: false, live_probability: null, per_model: {}, frames: 0, face_detected_ratio: null, reason: 'model_missing' }],
      ['motion:planar', evidence({ motion: { planar: true, planarity_evidence: 'planar', planarity_residual: 0.004 } }), liveCnn],
      ['motion:planar', evidence({ motion: { planarity_evidence: 'non_planar', planarity_residual: standard.thresholds.planarity_max_residual / 2 } }), liveCnn],
    ];
    for (const [reason, ev, cnn] of cases) {
      const out = verdictOf(fuse(ev, cnn, standard));
      expect(out.verdict, reason).toBe('spoof');
      expect(out.reasons, reason).toContain(reason);
    }
  });

  it('does not need the light challenge at standard risk and requires it at high risk', () => {
    const noLight = evidence({ light_challenge: null as never });
    expect(verdictOf(fuse(noLight, liveCnn, standard)).verdict).toBe('live');
    const out = verdictOf(fuse(noLight, liveCnn, high));
    expect(out.verdict).toBe('spoof');
    expect(out.reasons).toContain('light_challenge:not_run');
    const ignored = verdictOf(fuse(evidence({ light_challenge: { passed: false, score: 0.05, correlation: 0.05, reason: 'weak_response' } }), liveCnn, high));
    expect(ignored.verdict).toBe('spoof');
    expect(ignored.reasons).toEqual(['light_challenge:weak_response']);
    expect(verdictOf(fuse(evidence(), liveCnn, high)).verdict).toBe('live');
  });

  it('treats failed integrity as an attack: spoof, score 0, no retry', () => {
    const out = fuse(evidence({ integrity: { passed: false, reasons: ['timestamps_not_monotonic'] }, quality: { passed: false, reasons: ['blurry'] } }), liveCnn, standard);
    expect(out).toMatchObject({ kind: 'verdict', verdict: 'spoof', score: 0, reasons: ['integrity:timestamps_not_monotonic'] });
  });

  it('turns a quality failure into a retry, not a verdict', () => {
    const out = fuse(evidence({ quality: { passed: false, reasons: ['too_dark', 'face_too_small'] } }), liveCnn, standard);
    expect(out.kind).toBe('quality_failed');
    expect(out.reasons).toEqual(['quality:too_dark', 'quality:face_too_small']);
  });

  it('weights the score by the required checks only', () => {
    // CNN strength 0.6 (passes at 0.5), everything else at full strength: the score moves by the
    // CNN's share of the required weights.
    const cnn = { ...liveCnn, live_probability: 0.6 };
    const std = verdictOf(fuse(evidence(), cnn, standard)).score;
    const full = verdictOf(fuse(evidence(), { ...liveCnn, live_probability: 1 }, standard)).score;
    const stdWeights = CHECK_WEIGHTS.pulse + CHECK_WEIGHTS.cnn + CHECK_WEIGHTS.motion;
    expect(Math.abs(full - std - (100 * CHECK_WEIGHTS.cnn * 0.4) / stdWeights)).toBeLessThanOrEqual(1); // scores are whole numbers
    const onlyCnn: PolicyConfig = resolvePolicy(standard, { required_checks: ['cnn'] });
    expect(verdictOf(fuse(evidence(), cnn, onlyCnn)).score).toBe(60);
  });

  it('fails below min_score even when no check fails', () => {
    const strict = resolvePolicy(standard, { thresholds: { min_score: 99 } });
    const out = verdictOf(fuse(evidence({ pulse: { snr_z: standard.thresholds.pulse_min_snr_z + 0.5 } }), liveCnn, strict));
    expect(out.verdict).toBe('spoof');
    expect(out.reasons).toEqual(['score:below_threshold']);
  });

  it('rejects a client trace that does not describe the crops, whatever the pulse looks like', () => {
    for (const pulse of [{ trace_correlation: 0.1 }, { level_gap: AGREEMENT.max_level_gap + 5 }]) {
      const out = verdictOf(fuse(evidence({ pulse }), liveCnn, standard));
      expect(out.verdict).toBe('spoof');
      expect(out.reasons).toContain('pulse:client_disagrees');
      expect((out.checks.pulse as { agreement: boolean }).agreement).toBe(false);
    }
  });
});

describe('clientAgreement', () => {
  const pulse = evidence().pulse;
  it('needs enough frames to judge', () => {
    expect(clientAgreement({ ...pulse, frames_compared: AGREEMENT.min_frames - 1 })).toBeNull();
    expect(clientAgreement(pulse)).toBe(true);
  });
  it('judges the traces, not the heart rate the page reports', () => {
    expect(clientAgreement({ ...pulse, client_heart_rate_bpm: 140 })).toBe(true);
    expect(clientAgreement({ ...pulse, trace_correlation: AGREEMENT.min_correlation - 0.01 })).toBe(false);
  });
});

describe('motion', () => {
  it('does not fail a still head on the residual of too few informative pairs', () => {
    const still = evidence({ motion: { planarity_evidence: 'insufficient_motion', informative_pairs: 1, planarity_residual: standard.thresholds.planarity_max_residual / 2 } });
    expect(verdictOf(fuse(still, liveCnn, standard)).verdict).toBe('live');
  });
});
