import { describe, expect, it } from 'vitest';
import { detrendSmoothnessPriors, lambdaForCutoff } from '../../../workers/signal/detrend.ts';
import { estimateFrameRate, resampleLinear, uniformLength } from '../../../workers/signal/resample.ts';
import { std } from '../../../workers/signal/stats.ts';

describe('detrendSmoothnessPriors', () => {
  it('removes a slow drift and keeps a 1.2 Hz pulse', () => {
    const fs = 30, n = 600;
    const pulse = Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * 1.2 * i) / fs));
    const x = Float64Array.from({ length: n }, (_, i) => pulse[i] + 50 + 0.05 * i + 10 * Math.sin((2 * Math.PI * 0.05 * i) / fs));
    const y = detrendSmoothnessPriors(x, lambdaForCutoff(0.4, fs), new Float64Array(n));
    let err = 0;
    for (let i = 60; i < n - 60; i++) err += (y[i] - pulse[i]) ** 2;
    expect(Math.sqrt(err / (n - 120))).toBeLessThan(0.15);
  });

  it('matches the dense formula on a short signal', () => {
    const x = Float64Array.of(3, 1, 4, 1, 5, 9, 2, 6);
    const n = x.length, lambda = 2;
    // Dense (I + λ² D2ᵀD2) z = x solved by Gaussian elimination.
    const A = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    for (let r = 0; r < n - 2; r++) {
      const d = [1, -2, 1];
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) A[r + a][r + b] += lambda * lambda * d[a] * d[b];
    }
    const M = A.map((row, i) => [...row, x[i]]);
    for (let c = 0; c < n; c++) {
      for (let r = c + 1; r < n; r++) {
        const f = M[r][c] / M[c][c];
        for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
      }
    }
    const z = new Array<number>(n).fill(0);
    for (let r = n - 1; r >= 0; r--) {
      let s = M[r][n];
      for (let k = r + 1; k < n; k++) s -= M[r][k] * z[k];
      z[r] = s / M[r][r];
    }
    const y = detrendSmoothnessPriors(x, lambda, new Float64Array(n));
    for (let i = 0; i < n; i++) expect(y[i]).toBeCloseTo(x[i] - z[i], 9);
  });
});

describe('resampleLinear', () => {
  it('reproduces a linear signal exactly from irregular timestamps', () => {
    const times = Float64Array.of(0, 30, 70, 100, 133, 170, 200);
    const vals = new Float64Array(times.length * 3);
    times.forEach((t, i) => { vals[3 * i] = 2 * t; vals[3 * i + 1] = -t + 5; vals[3 * i + 2] = 7; });
    const n = uniformLength(times, 50);
    expect(n).toBe(11);
    const out = resampleLinear(times, vals, 3, 50, new Float64Array(n * 3));
    for (let k = 0; k < n; k++) {
      expect(out[3 * k]).toBeCloseTo(2 * k * 20, 9);
      expect(out[3 * k + 1]).toBeCloseTo(-k * 20 + 5, 9);
      expect(out[3 * k + 2]).toBe(7);
    }
  });

  it('estimates the frame rate from jittered timestamps', () => {
    const times = Float64Array.from({ length: 300 }, (_, i) => i * 33.333 + (i % 3) - 1);
    expect(estimateFrameRate(times)).toBeGreaterThan(28.5);
    expect(estimateFrameRate(times)).toBeLessThan(31.5);
    expect(std(times)).toBeGreaterThan(0);
  });
});
