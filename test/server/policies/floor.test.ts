// The floor's pure parts: the direction table, the effective floor, lifting and violations, with
// property tests over random policies (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuse } from '../../../server/analysis/fusion.ts';
import { CHECK_WEIGHTS, CHECKS, defaultPolicy, DEFAULT_THRESHOLDS, FUSION_BIAS, FRAME_COUNTS, IDENTITY_MODES, type PolicyConfig, type Thresholds } from '../../../server/policies/defaults.ts';
import {
  assertMeetsFloor,
  effectiveFloor,
  floorViolations,
  liftToFloor,
  THRESHOLD_DIRECTIONS,
  thresholdsSha256,
  tightenFloor,
} from '../../../server/policies/floor.ts';

const thresholdArb: fc.Arbitrary<Thresholds> = fc.record({
  min_score: fc.integer({ min: 0, max: 100 }),
  pulse_min_snr_z: fc.double({ min: 0, max: 20, noNaN: true }),
  cnn_min_live_probability: fc.double({ min: 0, max: 1, noNaN: true }),
  light_challenge_min_score: fc.double({ min: 0, max: 1, noNaN: true }),
  planarity_max_residual: fc.double({ min: 0, max: 1, noNaN: true }),
  min_face_present_ratio: fc.double({ min: 0, max: 1, noNaN: true }),
});

const policyArb: fc.Arbitrary<PolicyConfig> = fc.record({
  risk_level: fc.constantFrom('standard' as const, 'high' as const),
  frame_count: fc.constantFrom(...FRAME_COUNTS),
  required_checks: fc.uniqueArray(fc.constantFrom(...CHECKS), { minLength: 1 }),
  thresholds: thresholdArb,
  max_attempts: fc.integer({ min: 1, max: 10 }),
  timeout_s: fc.integer({ min: 30, max: 600 }),
  capture_duration_ms: fc.integer({ min: 3000, max: 30000 }),
  success_redirect_url: fc.constant(null),
  failure_redirect_url: fc.constant(null),
  identity: fc.constantFrom(...IDENTITY_MODES),
});

describe('THRESHOLD_DIRECTIONS', () => {
  it('covers every threshold', () => {
    expect(Object.keys(THRESHOLD_DIRECTIONS).sort()).toEqual(Object.keys(DEFAULT_THRESHOLDS).sort());
  });

  it('says the direction the fusion actually uses: raising a "higher" threshold never turns a spoof into live', () => {
    // planarity_max_residual is the one whose name suggests the opposite: a residual under it fails motion.
    expect(THRESHOLD_DIRECTIONS.planarity_max_residual).toBe('higher');
    const evidence = {
      integrity: { passed: true, reasons: [], frames: 180, fps: 30 },
      quality: { passed: true, reasons: [], metrics: { face_present_ratio: 1, face_size: 0.3 } },
      // A borderline capture (the fusion weighs every check: pulse just above its threshold and
      // the CNN where the two bring the score to even, so motion tips the verdict).
      pulse: { heart_rate_bpm: 70, snr_db: 5, snr_z: 3, method: 'pos', trace_correlation: 0.9, level_gap: 1, frames_compared: 120 },
      motion: { planarity_residual: 0.02, planarity_evidence: 'unknown', motion_energy: 0.001, blinks: 1, informative_pairs: 10 },
      light_challenge: null,
    } as unknown as Parameters<typeof fuse>[0];
    const policy = defaultPolicy('standard');
    // The CNN feature (features.ts: log-odds over the threshold's, 2 nats a unit) that leaves the
    // fused log-odds at 0 before motion, whatever the fitted parameters.
    const pulseFeature = (3 - policy.thresholds.pulse_min_snr_z) / 4;
    const cnnFeature = -(FUSION_BIAS + CHECK_WEIGHTS.pulse * pulseFeature) / CHECK_WEIGHTS.cnn;
    const thresholdLogit = Math.log(policy.thresholds.cnn_min_live_probability / (1 - policy.thresholds.cnn_min_live_probability));
    const live_probability = 1 / (1 + Math.exp(-(thresholdLogit + 2 * cnnFeature)));
    const cnn = { available: true, live_probability, per_model: {}, frames: 10, face_detected_ratio: 1 } as unknown as Parameters<typeof fuse>[1];
    const at = (planarity: number) => fuse(evidence, cnn, { ...policy, thresholds: { ...policy.thresholds, planarity_max_residual: planarity } });
    const lenient = at(0.01);
    const strict = at(0.03);
    expect(lenient).toMatchObject({ kind: 'verdict', verdict: 'live' });
    expect(strict).toMatchObject({ kind: 'verdict', verdict: 'spoof' });
    expect((strict as { reasons: string[] }).reasons).toContain('motion:planar');
    // Monotonic: every step up in the threshold lowers (or keeps) the score.
    const scores = [0.005, 0.01, 0.02, 0.03, 0.05].map((v) => (at(v) as { score: number }).score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });
});

describe('effectiveFloor', () => {
  it('is the risk level defaults when the tenant sets nothing, and high always has the light challenge and the CNN', () => {
    const standard = defaultPolicy('standard');
    expect(effectiveFloor('standard')).toEqual({
      risk_level: 'standard',
      required_checks: standard.required_checks,
      frame_count: standard.frame_count,
      capture_duration_ms: standard.capture_duration_ms,
      thresholds: standard.thresholds,
      identity: 'off',
    });
    expect(effectiveFloor('high').required_checks).toEqual(expect.arrayContaining(['light_challenge', 'cnn', 'pulse', 'motion']));
  });

  it('takes the stricter of the defaults and the tenant floor, field by field', () => {
    const floor = effectiveFloor('standard', { thresholds: { min_score: 40, cnn_min_live_probability: 0.8 }, capture_duration_ms: 9000, frame_count: 10, required_checks: ['light_challenge'] });
    expect(floor.thresholds.min_score).toBe(DEFAULT_THRESHOLDS.min_score); // 40 is weaker than the default
    expect(floor.thresholds.cnn_min_live_probability).toBe(0.8);
    expect(floor.capture_duration_ms).toBe(9000);
    expect(floor.required_checks).toContain('light_challenge');
  });

  it("raises a level under the tenant's risk_level to it", () => {
    expect(effectiveFloor('standard', { risk_level: 'high' })).toEqual(effectiveFloor('high'));
    expect(effectiveFloor('high', { risk_level: 'standard' })).toEqual(effectiveFloor('high'));
  });
});

describe('floorViolations / assertMeetsFloor', () => {
  it('names each weaker field', () => {
    const floor = effectiveFloor('high');
    const weak: PolicyConfig = { ...defaultPolicy('high'), required_checks: ['pulse'], capture_duration_ms: 3000, thresholds: { ...DEFAULT_THRESHOLDS, min_score: 1 } };
    expect(floorViolations(weak, floor).map((v) => v.field)).toEqual(['required_checks', 'capture_duration_ms', 'thresholds.min_score']);
    expect(() => assertMeetsFloor(weak, floor)).toThrow(expect.objectContaining({ code: 'policy_below_floor', details: expect.objectContaining({ field: 'required_checks' }) }));
    expect(() => assertMeetsFloor(defaultPolicy('high'), floor)).not.toThrow();
    expect(floorViolations(defaultPolicy('standard'), floor).map((v) => v.field)).toContain('risk_level');
  });

  it('property: a lifted policy meets its floor, and lifting a policy that meets it changes nothing checked', () => {
    fc.assert(
      fc.property(policyArb, fc.constantFrom('standard' as const, 'high' as const), (policy, level) => {
        const floor = effectiveFloor(level);
        const lifted = liftToFloor(policy, floor);
        expect(floorViolations(lifted, floor)).toEqual([]);
        const again = liftToFloor(lifted, floor);
        expect(again).toEqual(lifted);
        // Lifting never weakens: the lifted policy meets the original as a floor.
        const original = { risk_level: policy.risk_level, required_checks: policy.required_checks, frame_count: policy.frame_count, capture_duration_ms: policy.capture_duration_ms, thresholds: policy.thresholds, identity: policy.identity ?? 'off' };
        expect(floorViolations(lifted, original)).toEqual([]);
      }),
    );
  });

  it('property: tightenFloor is the stricter of its parts (each part is met by the combined floor)', () => {
    fc.assert(
      fc.property(policyArb, policyArb, (a, b) => {
        const tightened = tightenFloor(floorOf(a), floorOf(b));
        const combined = effectiveFloor(tightened.risk_level ?? 'standard', tightened);
        const asPolicy: PolicyConfig = { ...defaultPolicy('standard'), ...combined };
        for (const part of [a, b]) expect(floorViolations(asPolicy, { ...floorOf(part), risk_level: part.risk_level } as Parameters<typeof floorViolations>[1])).toEqual([]);
      }),
    );
  });
});

function floorOf(p: PolicyConfig) {
  return { risk_level: p.risk_level, required_checks: p.required_checks, frame_count: p.frame_count, capture_duration_ms: p.capture_duration_ms, thresholds: p.thresholds, identity: p.identity };
}

describe('identity in the floor', () => {
  it('orders off < enroll < enroll_or_match < match: turning identity off or down under the floor is weaker', () => {
    const floor = effectiveFloor('standard', { identity: 'enroll_or_match' });
    expect(floor.identity).toBe('enroll_or_match');
    const off = floorViolations({ ...defaultPolicy('standard'), identity: 'off' }, floor);
    expect(off).toEqual([{ field: 'identity', floor: 'enroll_or_match', given: 'off' }]);
    expect(floorViolations({ ...defaultPolicy('standard'), identity: 'enroll' }, floor).map((v) => v.field)).toEqual(['identity']);
    expect(floorViolations({ ...defaultPolicy('standard'), identity: 'match' }, floor)).toEqual([]);
    expect(() => assertMeetsFloor({ ...defaultPolicy('standard'), identity: 'off' }, floor)).toThrow(/identity may not be lower than "enroll_or_match"/);
  });

  it('lifts a policy without identity to the floor, and a tenant floor without identity asks for none', () => {
    expect(liftToFloor(defaultPolicy('standard'), effectiveFloor('standard', { identity: 'match' })).identity).toBe('match');
    expect(liftToFloor({ ...defaultPolicy('standard'), identity: 'match' }, effectiveFloor('standard', { identity: 'enroll' })).identity).toBe('match');
    expect(effectiveFloor('high').identity).toBe('off');
    expect(tightenFloor({ identity: 'enroll' }, { identity: 'match' }, {}).identity).toBe('match');
  });
});

describe('thresholdsSha256', () => {
  it('hashes canonical JSON: key order does not matter, any value does', () => {
    const reordered = Object.fromEntries(Object.entries(DEFAULT_THRESHOLDS).reverse()) as Thresholds;
    expect(thresholdsSha256(reordered)).toBe(thresholdsSha256(DEFAULT_THRESHOLDS));
    expect(thresholdsSha256({ ...DEFAULT_THRESHOLDS, min_score: 61 })).not.toBe(thresholdsSha256(DEFAULT_THRESHOLDS));
    expect(thresholdsSha256(DEFAULT_THRESHOLDS)).toMatch(/^[0-9a-f]{64}$/);
  });
});
