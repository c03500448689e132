import { describe, expect, it } from 'vitest';
import { findPeak, heartRateFromSpectrum, spectralSnrDb } from '../../../workers/signal/heart-rate.ts';
import { welchPsd } from '../../../workers/signal/welch.ts';
import { createRandom } from './synthetic.ts';

describe('Welch PSD and spectral peak', () => {
  it('integrates to the signal variance', () => {
    const rnd = createRandom(5);
    const x = Float64Array.from({ length: 3000 }, () => rnd.gauss());
    const s = welchPsd(x, 30, { segmentSeconds: 8 });
    let total = 0;
    for (const v of s.psd) total += v * s.binHz;
    expect(total).toBeGreaterThan(0.9);
    expect(total).toBeLessThan(1.1);
  });

  it.each([0.83, 1.37, 2.05])('interpolates a %f Hz sine to within 0.01 Hz', (f) => {
    const fs = 30;
    const x = Float64Array.from({ length: 300 }, (_, i) => Math.sin((2 * Math.PI * f * i) / fs));
    const s = welchPsd(x, fs);
    expect(Math.abs(findPeak(s).hz - f)).toBeLessThan(0.01);
    // A 10 s Hann window spreads a line over ±0.2 Hz, wider than the ±6 bpm signal band: ~10 dB is the ceiling.
    expect(spectralSnrDb(s, f)).toBeGreaterThan(5);
  });

  it('prefers the fundamental over a strong harmonic', () => {
    const fs = 30;
    const x = Float64Array.from({ length: 600 }, (_, i) => 0.8 * Math.sin((2 * Math.PI * 1.1 * i) / fs) + Math.sin((2 * Math.PI * 2.2 * i) / fs));
    const hr = heartRateFromSpectrum(welchPsd(x, fs));
    expect(Math.abs(hr.bpm - 66)).toBeLessThan(1);
  });

  it('gives white noise a low SNR', () => {
    const rnd = createRandom(9);
    const x = Float64Array.from({ length: 600 }, () => rnd.gauss());
    const s = welchPsd(x, 30);
    expect(heartRateFromSpectrum(s).snrDb).toBeLessThan(-3);
  });
});
