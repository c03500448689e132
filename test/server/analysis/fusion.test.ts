// Fusion: per-check features fused into one calibrated score (no single check decides alone),
// hard refusals only for tampering, integrity -> spoof, quality -> retry.
import { describe, expect, it } from 'vitest';
import type { CnnResult } from '../../../server/analysis/cnn.ts';
import type { FrameEvidence } from '../../../server/analysis/evidence.ts';
import { clientAgreement, fuse } from '../../../server/analysis/fusion.ts';
import { AGREEMENT, CHECK_WEIGHTS, EXPRESSION_THRESHOLD, FUSION_BIAS, MIN_FINE_DETAIL, MIN_TONAL_RANGE, defaultPolicy, resolvePolicy, type PolicyConfig } from '../../../server/policies/defaults.ts';

// A capture every check passes: confident pulse the client agrees with, a non-planar moving face,
// a live CNN with a face in every crop, a strong light-challenge response.
function evidence(patch: { [K in keyof FrameEvidence]?: Partial<FrameEvidence[K]> } = {}): FrameEvidence {
  const base: FrameEvidence = {
    integrity: {
      passed: true, reasons: [], frames: 180, duration_ms: 5970, extended_ms: 0, fps: 30, duplicate_crops: 0, artefacts: [],
      repeats: { adjacent: 0, longest_run_ms: 0, recurring: 0, longest_recurring_run: 0, kind: 'none', distinct_fps: 30 },
    },
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
      expression: { frames: 90, residual: 0.06, eye_range: 0.5, mouth_range: 0.2, activity: 4 },
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

  it('names each check that speaks against a live face, and refuses when the evidence is against', () => {
    const cases: Array<[string, FrameEvidence, CnnResult]> = [
      ['pulse:not_detected', evidence({ pulse: { snr_db: -4, snr_z: -2 }, motion: { expression: { frames: 90, residual: 0.02, eye_range: 0.2, mouth_range: 0.05, activity: 1 } } }), { ...liveCnn, live_probability: 0.2 }],
      ['cnn:presentation_attack', evidence({ pulse: { snr_z: 0 } }), { ...liveCnn, live_probability: 0.01 }],
      ['cnn:no_face_in_crops', evidence({ pulse: { snr_z: 0 } }), { ...liveCnn, face_detected_ratio: 0.2 }],
      ['motion:planar', evidence({ pulse: { snr_z: 0 }, motion: { planar: true, planarity_evidence: 'planar', planarity_residual: 0.004 } }), { ...liveCnn, live_probability: 0.2 }],
      ['motion:planar', evidence({ pulse: { snr_z: 0 }, motion: { planarity_evidence: 'non_planar', informative_pairs: 30, planarity_residual: standard.thresholds.planarity_max_residual / 4 } }), { ...liveCnn, live_probability: 0.2 }],
    ];
    for (const [reason, ev, cnn] of cases) {
      const out = verdictOf(fuse(ev, cnn, standard));
      expect(out.verdict, reason).toBe('spoof');
      expect(out.reasons, reason).toContain(reason);
    }
  });

  it('lets strong evidence from the other checks outweigh one weak check (no hard AND)', () => {
    // A genuine face whose CNN score sits a little under its threshold (a portrait selfie):
    // a clear pulse and a moving, non-planar head still make it live.
    const weakCnn = { ...liveCnn, live_probability: standard.thresholds.cnn_min_live_probability - 0.1 };
    const moving = evidence({ pulse: { snr_z: 10 }, motion: { informative_pairs: 30, planarity_residual: 0.06 } });
    const out = verdictOf(fuse(moving, weakCnn, standard));
    expect(out.verdict).toBe('live');
    expect(out.reasons).toEqual([]);
    expect(out.checks.cnn).toMatchObject({ passed: false });
    // ...but one strong check cannot carry an attack the others refute.
    const photo = evidence({ pulse: { snr_z: -1 }, motion: { informative_pairs: 30, planarity_residual: 0.008, motion_energy: 0.03, expression: { frames: 90, residual: 0.008, eye_range: 0.08, mouth_range: 0.01, activity: 0.4 } } });
    const refused = verdictOf(fuse(photo, { ...liveCnn, live_probability: 0.99 }, standard));
    expect(refused.verdict).toBe('spoof');
    // The picture kept its shape while it moved: the motion check's expression feature says so.
    expect(refused.reasons).toEqual(expect.arrayContaining(['pulse:not_detected', 'motion:planar', 'motion:no_expression']));
    expect(refused.checks.fusion?.features.expression).toMatchObject({ passed: false });
  });

  it('scores the calibrated probability: bias plus weighted features through a logistic', () => {
    const out = verdictOf(fuse(evidence(), liveCnn, standard));
    const z = (out.checks.fusion as { log_odds: number }).log_odds;
    expect(out.score).toBe(Math.round(100 / (1 + Math.exp(-z))));
    // Features all at their thresholds: the score is the bias alone.
    const atThreshold = evidence({ pulse: { snr_z: standard.thresholds.pulse_min_snr_z }, motion: { informative_pairs: 0, planarity_evidence: 'insufficient_motion', expression: { frames: 90, residual: 0.028, eye_range: 0.28, mouth_range: 0.07, activity: EXPRESSION_THRESHOLD } } });
    const flat = verdictOf(fuse(atThreshold, { ...liveCnn, live_probability: standard.thresholds.cnn_min_live_probability }, standard));
    expect(flat.score).toBe(Math.round(100 / (1 + Math.exp(-FUSION_BIAS))));
  });

  it('sets a stricter operating point at high risk', () => {
    expect(high.thresholds.min_score).toBeGreaterThan(standard.thresholds.min_score);
    expect(resolvePolicy(standard, { risk_level: 'high' }).thresholds.min_score).toBe(high.thresholds.min_score);
    expect(resolvePolicy(resolvePolicy(standard, { thresholds: { min_score: 42 } }), { risk_level: 'high' }).thresholds.min_score).toBe(42);
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

  it('refuses a required check that cannot run (model missing)', () => {
    const out = verdictOf(fuse(evidence(), { available: false, live_probability: null, per_model: {}, frames: 0, face_detected_ratio: null, reason: 'model_missing' }, standard));
    expect(out.verdict).toBe('spoof');
    expect(out.reasons).toContain('cnn:model_missing');
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

  it('sends a face without fine detail back as a quality failure, before any score', () => {
    const soft = fuse(evidence(), { ...liveCnn, fine_detail: MIN_FINE_DETAIL - 0.05 }, standard);
    expect(soft).toMatchObject({ kind: 'quality_failed', reasons: ['quality:low_detail'], checks: { quality: { passed: false, reasons: ['low_detail'] }, cnn: { fine_detail: expect.closeTo(MIN_FINE_DETAIL - 0.05, 3) } } });
    expect(verdictOf(fuse(evidence(), { ...liveCnn, fine_detail: MIN_FINE_DETAIL + 0.05 }, standard)).verdict).toBe('live');
    // Not measured (no crop held a face big enough): no gate, the checks decide.
    expect(verdictOf(fuse(evidence(), { ...liveCnn, fine_detail: null }, standard)).verdict).toBe('live');
  });

  it('sends a washed-out face (narrow tonal range) back as a quality failure, with its own reason', () => {
    const washed = fuse(evidence(), { ...liveCnn, tonal_range: MIN_TONAL_RANGE - 0.05 }, standard);
    expect(washed).toMatchObject({ kind: 'quality_failed', reasons: ['quality:low_contrast'], checks: { quality: { passed: false, reasons: ['low_contrast'] }, cnn: { tonal_range: expect.closeTo(MIN_TONAL_RANGE - 0.05, 3) } } });
    expect(verdictOf(fuse(evidence(), { ...liveCnn, tonal_range: MIN_TONAL_RANGE + 0.05 }, standard)).verdict).toBe('live');
    expect(verdictOf(fuse(evidence(), { ...liveCnn, tonal_range: null }, standard)).verdict).toBe('live');
    // Both picture gates fail: both reasons, fine detail first.
    expect(fuse(evidence(), { ...liveCnn, fine_detail: MIN_FINE_DETAIL - 0.05, tonal_range: MIN_TONAL_RANGE - 0.05 }, standard)).toMatchObject({ kind: 'quality_failed', reasons: ['quality:low_detail', 'quality:low_contrast'] });
  });

  it('fuses only the checks the policy requires', () => {
    // A planar photo with a live-looking CNN: refused with motion required, live on the CNN alone.
    const photo = evidence({ motion: { informative_pairs: 30, planarity_residual: 0.006 } });
    expect(verdictOf(fuse(photo, liveCnn, standard)).checks.motion).toMatchObject({ passed: false });
    const onlyCnn: PolicyConfig = resolvePolicy(standard, { required_checks: ['cnn'] });
    const out = verdictOf(fuse(photo, liveCnn, onlyCnn));
    expect(out.score).toBe(Math.round(100 / (1 + Math.exp(-(FUSION_BIAS + CHECK_WEIGHTS.cnn * out.checks.fusion!.features.cnn!.feature!)))));
    expect(out.verdict).toBe('live');
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
      expect(out).toMatchObject({ score: 0, reasons: ['pulse:client_disagrees'] });
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
