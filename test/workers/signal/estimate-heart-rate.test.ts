import { describe, expect, it } from 'vitest';
import { estimateHeartRate } from '../../../workers/signal/estimate-heart-rate.ts';
import { SignalError } from '../../../workers/signal/errors.ts';
import { syntheticFace } from './synthetic.ts';

const RATES = [45, 52, 63, 72, 85, 98, 112, 127, 140, 150];

describe('estimateHeartRate', () => {
  it.each(RATES)('finds %i bpm through noise, jittered and dropped frames and motion', (bpm) => {
    const face = syntheticFace({ bpm, seconds: 20, jitterMs: 8, dropRate: 0.05, noise: 0.25, motion: true, seed: bpm });
    const r = estimateHeartRate(face.times, [face.rgb]);
    expect(Math.abs(r.bpm - bpm)).toBeLessThanOrEqual(1.5);
    expect(r.confident).toBe(true);
    expect(r.method).toBe('pos');
  });

  it.each(['chrom', 'green'] as const)('%s finds the rate too (clean trace)', (method) => {
    const face = syntheticFace({ bpm: 75, seconds: 15, jitterMs: 5, noise: 0.3, seed: 3 });
    const r = estimateHeartRate(face.times, [face.rgb], { method });
    expect(Math.abs(r.bpm - 75)).toBeLessThanOrEqual(1.5);
  });

  it('reports a low SNR and no confident answer without a pulse', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const face = syntheticFace({ bpm: null, seconds: 20, jitterMs: 8, noise: 0.5, motion: true, seed });
      const r = estimateHeartRate(face.times, [face.rgb]);
      expect(r.confident).toBe(false);
      expect(r.snr_db).toBeLessThan(-3);
    }
  });

  it('fusion leans on the clean ROI when another one is noise', () => {
    const clean = syntheticFace({ bpm: 68, seconds: 20, noise: 0.4, seed: 11 });
    const noisy = syntheticFace({ bpm: null, seconds: 20, noise: 3, motion: true, seed: 12 });
    const r = estimateHeartRate(clean.times, [noisy.rgb.subarray(0, clean.rgb.length), clean.rgb]);
    expect(Math.abs(r.bpm - 68)).toBeLessThanOrEqual(1.5);
    expect(r.rois[1].snr_db).toBeGreaterThan(r.rois[0].snr_db);
  });

  it('handles a 6 s capture, the default plan', () => {
    const face = syntheticFace({ bpm: 80, seconds: 6, jitterMs: 5, noise: 0.3, seed: 21 });
    const r = estimateHeartRate(face.times, [face.rgb]);
    expect(Math.abs(r.bpm - 80)).toBeLessThanOrEqual(1.5);
  });

  it('rejects bad input with typed codes', () => {
    const expectCode = (f: () => unknown, code: string): void => {
      try { f(); expect.unreachable(); } catch (e) { expect(e).toBeInstanceOf(SignalError); expect((e as SignalError).code).toBe(code); }
    };
    expectCode(() => estimateHeartRate(Float64Array.of(0, 33), [new Float64Array(6)]), 'signal_too_short');
    expectCode(() => estimateHeartRate(Float64Array.of(0, 33, 20), [new Float64Array(9)]), 'signal_bad_input');
    expectCode(() => estimateHeartRate(Float64Array.of(0, 33), [new Float64Array(3)]), 'signal_bad_input');
    expectCode(() => estimateHeartRate(Float64Array.of(0, 33), []), 'signal_bad_input');
  });
});
