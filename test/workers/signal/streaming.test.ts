import { describe, expect, it } from 'vitest';
import { createPulseEstimator } from '../../../workers/signal/streaming.ts';
import { SignalError } from '../../../workers/signal/errors.ts';
import { syntheticFace } from './synthetic.ts';

function feed(face: { times: Float64Array; rgb: Float64Array }, rois = 1) {
  const est = createPulseEstimator({ rois, windowSeconds: 10 });
  const updates: { t: number; bpm: number; confident: boolean }[] = [];
  const frame = new Float64Array(3 * rois);
  let last: unknown = null;
  for (let i = 0; i < face.times.length; i++) {
    for (let r = 0; r < rois; r++) frame.set(face.rgb.subarray(3 * i, 3 * i + 3), 3 * r);
    est.push(face.times[i], frame);
    const e = est.estimate();
    if (e && e !== last) { updates.push({ t: e.t_ms, bpm: e.bpm, confident: e.confident }); last = e; }
  }
  return { est, updates };
}

describe('createPulseEstimator', () => {
  it.each([55, 80, 120])('tracks %i bpm, updating about once a second', (bpm) => {
    const face = syntheticFace({ bpm, seconds: 25, jitterMs: 6, dropRate: 0.03, noise: 0.25, motion: true, seed: bpm + 100, hrvRad: 0.1 });
    // (A 10 s window follows the instantaneous rate; little variability keeps N ± 1.5 the truth.)
    const { updates } = feed(face);
    expect(updates.length).toBeGreaterThan(10);
    // Updates are spaced by the update period (1 s at 30 Hz), never faster.
    for (let i = 1; i < updates.length; i++) expect(updates[i].t - updates[i - 1].t).toBeGreaterThanOrEqual(990);
    const settled = updates.filter((u) => u.t > 14_000);
    expect(settled.length).toBeGreaterThan(3);
    // A 10 s window has 6 bpm bins; noise and motion move single updates by a bpm or two.
    const sorted = settled.map((u) => u.bpm).sort((a, b) => a - b);
    expect(Math.abs(sorted[sorted.length >> 1] - bpm)).toBeLessThanOrEqual(1.5);
    for (const u of settled) expect(Math.abs(u.bpm - bpm)).toBeLessThanOrEqual(3);
    expect(settled.every((u) => u.confident)).toBe(true);
  });

  it('stays silent while warming up and never confident on noise', () => {
    const face = syntheticFace({ bpm: null, seconds: 20, noise: 0.5, motion: true, seed: 5 });
    const { est, updates } = feed(face);
    expect(updates.every((u) => !u.confident)).toBe(true);
    expect(updates[0].t).toBeGreaterThan(5_900);
    est.reset();
    expect(est.estimate()).toBeNull();
    expect(est.pulseSamples).toBe(0);
  });

  it('answers at the end of a 6 s capture (the default plan), as the capture worker configures it', () => {
    const face = syntheticFace({ bpm: 84, seconds: 6, jitterMs: 5, noise: 0.2, seed: 31, hrvRad: 0.1 });
    const est = createPulseEstimator({ sampleRate: 30, rois: 1, minSeconds: 5.5, windowSeconds: 6 });
    for (let i = 0; i < face.times.length; i++) est.push(face.times[i], face.rgb.subarray(3 * i, 3 * i + 3));
    const e = est.estimate();
    expect(e).not.toBeNull();
    expect(Math.abs((e?.bpm ?? 0) - 84)).toBeLessThanOrEqual(3);
    expect(e?.window_s).toBeGreaterThanOrEqual(5.5);
  });

  it('fuses several ROIs', () => {
    const face = syntheticFace({ bpm: 70, seconds: 18, noise: 0.25, seed: 8 });
    const { updates } = feed(face, 3);
    const last = updates[updates.length - 1];
    expect(Math.abs(last.bpm - 70)).toBeLessThanOrEqual(1.5);
  });

  it('ignores out-of-order and non-finite frames', () => {
    const face = syntheticFace({ bpm: 90, seconds: 16, noise: 0.2, seed: 9 });
    const est = createPulseEstimator();
    for (let i = 0; i < face.times.length; i++) {
      est.push(face.times[i], face.rgb.subarray(3 * i, 3 * i + 3));
      if (i % 50 === 0) { est.push(face.times[i] - 500, [1, 2, 3]); est.push(face.times[i] + 1, [Number.NaN, 0, 0]); }
    }
    expect(Math.abs((est.estimate()?.bpm ?? 0) - 90)).toBeLessThanOrEqual(1.5);
  });

  it('rejects bad options with a typed code', () => {
    expect(() => createPulseEstimator({ sampleRate: 2 })).toThrow(SignalError);
    expect(() => createPulseEstimator({ rois: 0 })).toThrow(SignalError);
  });
});
