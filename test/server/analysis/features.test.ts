// Per-check features of the calibrated fusion (server/analysis/features.ts) and the CNN's
// face-quality weighted aggregation: centred on each check's threshold, bounded, monotonic, and
// motion weighted by the pairs it rests on.
import { describe, expect, it } from 'vitest';
import { qualityWeightedMean, type CnnResult } from '../../../server/analysis/cnn.ts';
import type { FrameEvidence } from '../../../server/analysis/evidence.ts';
import { checkFeatures } from '../../../server/analysis/features.ts';
import { CNN_MAX_SUPPORT, DEFAULT_THRESHOLDS as t, EXPRESSION_FULL_ENERGY, EXPRESSION_STILL_ENERGY, EXPRESSION_THRESHOLD as E } from '../../../server/policies/defaults.ts';

const cnn = (p: number, face = 1): CnnResult => ({ available: true, live_probability: p, per_model: {}, frames: 30, face_detected_ratio: face });
function ev(pulseZ: number, motion: Partial<FrameEvidence['motion']> = {}, light: FrameEvidence['light_challenge'] = null): FrameEvidence {
  return {
    pulse: { snr_z: pulseZ },
    motion: { planarity_evidence: 'non_planar', informative_pairs: 0, planarity_residual: null, ...motion },
    light_challenge: light,
  } as unknown as FrameEvidence;
}

describe('checkFeatures', () => {
  it('is 0 at each threshold and grows with the evidence of life', () => {
    const at = checkFeatures(ev(t.pulse_min_snr_z, { informative_pairs: 40, planarity_residual: t.planarity_max_residual }), cnn(t.cnn_min_live_probability), t);
    expect(at.pulse).toBeCloseTo(0);
    expect(at.cnn).toBeCloseTo(0);
    expect(at.motion).toBeCloseTo(0);
    const zs = [-5, 0, 2, 4, 8, 30].map((z) => checkFeatures(ev(z), cnn(0.5), t).pulse!);
    expect([...zs].sort((a, b) => a - b)).toEqual(zs);
    const ps = [0, 0.01, 0.3, 0.5, 0.9, 1].map((p) => checkFeatures(ev(3), cnn(p), t).cnn!);
    expect([...ps].sort((a, b) => a - b)).toEqual(ps);
  });

  it('is bounded, so no single check can outvote the others by an extreme value', () => {
    expect(checkFeatures(ev(1e6), cnn(1), t)).toMatchObject({ pulse: 1, cnn: CNN_MAX_SUPPORT });
    expect(checkFeatures(ev(-Infinity), cnn(0), t)).toMatchObject({ pulse: -1, cnn: -3 });
  });

  it('reads crops without a face as the strongest evidence against, a missing CNN as no evidence', () => {
    expect(checkFeatures(ev(3), cnn(0.99, 0.2), t).cnn).toBe(-3);
    expect(checkFeatures(ev(3), { available: false, live_probability: null, per_model: {}, frames: 0, face_detected_ratio: null }, t).cnn).toBeNull();
  });

  it('weights the planarity residual by its informative pairs; a still head says nothing', () => {
    const flat = (pairs: number) => checkFeatures(ev(3, { informative_pairs: pairs, planarity_residual: t.planarity_max_residual / 2 }), cnn(0.9), t).motion!;
    expect(flat(2)).toBe(0);
    expect(flat(10)).toBeCloseTo(-0.5);
    expect(flat(40)).toBeCloseTo(-1);
    expect(checkFeatures(ev(3, { planarity_evidence: 'planar' }), cnn(0.9), t).motion).toBe(-2);
  });

  it('reads a face that changes shape as life, and one moved as a whole that never does as a picture; a still face says nothing', () => {
    const expr = (activity: number | null, motion_energy: number) =>
      checkFeatures(ev(3, { motion_energy, expression: { frames: 90, residual: null, eye_range: null, mouth_range: null, activity } }), cnn(0.9), t).expression;
    expect(expr(null, 0.05)).toBeNull();
    expect(E).toBeGreaterThan(1); // above the most a moved photo reached (activity 1)
    expect(expr(E, 0.05)).toBeCloseTo(0);
    expect(expr(2 * E, 0.05)).toBeCloseTo(1);
    expect(expr(50, 0.05)).toBe(1); // a replayed video of a person blinks too: capped
    expect(expr(0.9, 0.05)).toBeLessThan(-0.5); // a moved photo's own level reads against it
    expect(expr(E / 2, EXPRESSION_FULL_ENERGY)).toBeCloseTo(-1);
    expect(expr(0.01, 1)).toBe(-2);
    expect(expr(E / 2, (EXPRESSION_STILL_ENERGY + EXPRESSION_FULL_ENERGY) / 2)).toBeCloseTo(-0.5);
    expect(expr(0.1, EXPRESSION_STILL_ENERGY)).toBeCloseTo(0); // a person's own sway, or landmark jitter
    expect(expr(0.1, 0)).toBeCloseTo(0); // evm-face: perfectly still, no shape change, no motion
  });

  it('has a light-challenge feature only when a challenge ran', () => {
    expect(checkFeatures(ev(3), cnn(0.9), t).light_challenge).toBeNull();
    const light = (score: number, passed = true) => checkFeatures(ev(3, {}, { passed, score } as FrameEvidence['light_challenge']), cnn(0.9), t).light_challenge;
    expect(light(t.light_challenge_min_score)).toBeCloseTo(0);
    // A passed challenge adds nothing: prints and screens in front of the display reflect it too.
    expect(light(0.9)).toBe(0);
    expect(light(0.9, false)).toBe(-1);
  });
});

describe('qualityWeightedMean', () => {
  it('counts crops where the detector barely finds a face less', () => {
    expect(qualityWeightedMean([{ p: 1, face: 0.9 }, { p: 0, face: 0.1 }])).toBeCloseTo(0.9);
    expect(qualityWeightedMean([{ p: 1, face: null }, { p: 0, face: null }])).toBeCloseTo(0.5);
    expect(qualityWeightedMean([])).toBeNaN();
  });
});
