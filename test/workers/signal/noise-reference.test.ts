import { describe, expect, it } from 'vitest';
import { HEART_RATE_BAND, HEART_RATE_SEARCH_BAND } from '../../../workers/signal/heart-rate.ts';
import { noiseSnrReference } from '../../../workers/signal/noise-reference.ts';
import { assessQuality, DEFAULT_QUALITY_GATE } from '../../../workers/signal/quality.ts';
import { createWelchPlan } from '../../../workers/signal/welch.ts';

const shape = (rois: number, seconds: number) => {
  const n = 30 * seconds;
  return { n, sampleRate: 30, rois, plan: createWelchPlan(n, 30, { segmentSeconds: 10 }), band: HEART_RATE_BAND, searchBand: HEART_RATE_SEARCH_BAND, detrendCutoffHz: 0.4 };
};

describe('noiseSnrReference', () => {
  it('is deterministic for one shape', () => {
    expect(noiseSnrReference(shape(3, 10))).toEqual(noiseSnrReference(shape(3, 10)));
  });

  it('expects a lower noise SNR with more ROIs and longer traces', () => {
    const one = noiseSnrReference(shape(1, 10));
    const many = noiseSnrReference(shape(16, 10));
    const long = noiseSnrReference(shape(1, 60));
    expect(many.meanDb).toBeLessThan(one.meanDb);
    expect(long.meanDb).toBeLessThan(one.meanDb);
    expect(one.sdDb).toBeGreaterThan(0);
  });
});

describe('assessQuality', () => {
  const base = { snrDb: 0, snrZ: 5, prominenceDb: 3, consistency: null, durationSeconds: 10 };
  it('is confident only when every cue passes, and names the failing ones', () => {
    expect(assessQuality(base).confident).toBe(true);
    expect(assessQuality({ ...base, snrZ: 1 }).reasons).toEqual(['low_snr']);
    expect(assessQuality({ ...base, durationSeconds: 3 }).reasons).toEqual(['too_short']);
    expect(assessQuality({ ...base, consistency: 0.2 }).reasons).toEqual(['inconsistent']);
  });
  it('scores 0.5 at the gate and rises with the evidence', () => {
    const at = assessQuality({ ...base, snrZ: DEFAULT_QUALITY_GATE.minSnrZ }).quality;
    expect(at).toBeCloseTo(0.5, 6);
    expect(assessQuality({ ...base, snrZ: 8 }).quality).toBeGreaterThan(at);
    expect(assessQuality({ ...base, snrZ: -2 }).quality).toBeLessThan(at);
  });
});
