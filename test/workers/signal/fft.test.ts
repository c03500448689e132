import { describe, expect, it } from 'vitest';
import { createFft } from '../../../workers/signal/fft.ts';
import { SignalError } from '../../../workers/signal/errors.ts';
import { createRandom } from './synthetic.ts';

describe('createFft', () => {
  it.each([8, 64, 1024])('round-trips random data (n=%i)', (n) => {
    const fft = createFft(n);
    const rnd = createRandom(n);
    const re = Float64Array.from({ length: n }, () => rnd.gauss());
    const im = Float64Array.from({ length: n }, () => rnd.gauss());
    const re0 = re.slice(), im0 = im.slice();
    fft.forward(re, im);
    fft.inverse(re, im);
    for (let i = 0; i < n; i++) {
      expect(re[i]).toBeCloseTo(re0[i], 10);
      expect(im[i]).toBeCloseTo(im0[i], 10);
    }
  });

  it('conserves energy (Parseval)', () => {
    const n = 512;
    const rnd = createRandom(7);
    const re = Float64Array.from({ length: n }, () => rnd.gauss());
    const im = new Float64Array(n);
    const timeEnergy = re.reduce((a, v) => a + v * v, 0);
    createFft(n).forward(re, im);
    let freqEnergy = 0;
    for (let k = 0; k < n; k++) freqEnergy += re[k] * re[k] + im[k] * im[k];
    expect(freqEnergy / n).toBeCloseTo(timeEnergy, 8);
  });

  it('puts a sine in its bin', () => {
    const n = 256, bin = 37;
    const re = Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * bin * i) / n));
    const im = new Float64Array(n);
    createFft(n).forward(re, im);
    const mag = Array.from({ length: n / 2 }, (_, k) => Math.hypot(re[k], im[k]));
    expect(mag.indexOf(Math.max(...mag))).toBe(bin);
    expect(mag[bin]).toBeCloseTo(n / 2, 8);
    expect(mag[bin + 3]).toBeLessThan(1e-9);
  });

  it('refuses a size that is not a power of two', () => {
    expect(() => createFft(100)).toThrow(SignalError);
    try { createFft(100); } catch (e) { expect((e as SignalError).code).toBe('signal_fft_size'); }
  });
});
