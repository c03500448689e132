import { describe, expect, it } from 'vitest';
import { bandpassZeroPhase, createCausalBandpass, designBandpass } from '../../../workers/signal/biquad/bandpass.ts';
import { cascadeMagnitude } from '../../../workers/signal/biquad/biquad.ts';
import { std } from '../../../workers/signal/stats.ts';

const fs = 30;
const sine = (f: number, n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / fs));

describe('band-pass 0.7–4 Hz', () => {
  it('has -3 dB edges and rejects out-of-band frequencies', () => {
    const s = designBandpass(fs);
    expect(cascadeMagnitude(s, 0.7, fs)).toBeCloseTo(Math.SQRT1_2, 2);
    expect(cascadeMagnitude(s, 4, fs)).toBeCloseTo(Math.SQRT1_2, 2);
    expect(cascadeMagnitude(s, 1.5, fs)).toBeGreaterThan(0.95);
    expect(cascadeMagnitude(s, 0.1, fs)).toBeLessThan(0.05);
    expect(cascadeMagnitude(s, 10, fs)).toBeLessThan(0.1);
  });

  it('zero-phase filtering passes an in-band sine unchanged in phase and stops out-of-band ones', () => {
    const n = 900;
    const x = sine(1.2, n);
    const y = bandpassZeroPhase(x, fs, new Float64Array(n));
    const mid = [200, 700] as const;
    let maxErr = 0;
    for (let i = mid[0]; i < mid[1]; i++) maxErr = Math.max(maxErr, Math.abs(y[i] - x[i] * 0.96 ** 0));
    // In-band gain of the doubled (forward+backward) filter is |H|², ~0.95 at 1.2 Hz; no lag.
    const gain = std(y, ...mid) / std(x, ...mid);
    expect(gain).toBeGreaterThan(0.85);
    let corr = 0;
    for (let i = mid[0]; i < mid[1]; i++) corr += (y[i] / gain - x[i]) ** 2;
    expect(Math.sqrt(corr / (mid[1] - mid[0]))).toBeLessThan(0.05);
    expect(maxErr).toBeLessThan(0.2);
    for (const f of [0.1, 9]) {
      const z = bandpassZeroPhase(sine(f, n), fs, new Float64Array(n));
      expect(std(z, ...mid)).toBeLessThan(0.02);
    }
  });

  it('the causal filter settles to the same in-band gain', () => {
    const f = createCausalBandpass(fs);
    const x = sine(2, 900);
    const y = x.map((v) => f.process(v));
    expect(std(y, 300, 900) / std(x, 300, 900)).toBeGreaterThan(0.95);
    f.reset();
    const z = sine(0.05, 900).map((v) => f.process(v));
    expect(std(z, 300, 900)).toBeLessThan(0.01);
  });
});
