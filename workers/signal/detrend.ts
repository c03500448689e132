import { SignalError } from './errors.ts';

/**
 * Smoothness-priors detrending (Tarvainen, Ranta-aho & Karjalainen 2002):
 * z_stat = (I - (I + λ² D2ᵀD2)⁻¹) z, D2 the second-difference operator.
 * The system is symmetric pentadiagonal, so a banded Cholesky solves it in O(n)
 * instead of the dense inverse of the paper (O(n³)).
 *
 * The trend filter's response is 1 / (1 + λ² (2 - 2cos ω)²), so its cutoff sits near
 * f = fs / (2π √λ): `lambdaForCutoff` picks λ from a cutoff in Hz, keeping the behaviour
 * the same at 15 and 30 fps.
 */

export function lambdaForCutoff(cutoffHz: number, sampleRate: number): number {
  const r = sampleRate / (2 * Math.PI * cutoffHz);
  return r * r;
}

export interface DetrendScratch {
  l0: Float64Array;
  l1: Float64Array;
  l2: Float64Array;
  y: Float64Array;
}

export function createDetrendScratch(n: number): DetrendScratch {
  return { l0: new Float64Array(n), l1: new Float64Array(n), l2: new Float64Array(n), y: new Float64Array(n) };
}

/** Remove the smooth trend of x[0..n) into out (may alias x). */
export function detrendSmoothnessPriors(
  x: ArrayLike<number>,
  lambda: number,
  out: Float64Array,
  n = x.length,
  scratch: DetrendScratch = createDetrendScratch(n),
): Float64Array {
  if (!(lambda > 0)) throw new SignalError('signal_bad_option', `lambda must be positive, got ${lambda}`);
  if (n < 3) {
    let m = 0;
    for (let i = 0; i < n; i++) m += x[i];
    m = n ? m / n : 0;
    for (let i = 0; i < n; i++) out[i] = x[i] - m;
    return out;
  }
  const L2 = lambda * lambda;
  const { l0, l1, l2, y } = scratch;
  // A = I + λ² D2ᵀD2 (bands of D2ᵀD2: diag 1,5,6..6,5,1; first -2,-4..-4,-2; second 1).
  const diag = (i: number): number => 1 + L2 * (i === 0 || i === n - 1 ? 1 : i === 1 || i === n - 2 ? 5 : 6);
  const off1 = (i: number): number => L2 * (i === 1 || i === n - 1 ? -2 : -4); // A[i][i-1]
  const off2 = L2; // A[i][i-2]
  for (let i = 0; i < n; i++) {
    const a2 = i >= 2 ? off2 / l0[i - 2] : 0;
    const a1 = i >= 1 ? (off1(i) - (i >= 2 ? a2 * l1[i - 1] : 0)) / l0[i - 1] : 0;
    l2[i] = a2;
    l1[i] = a1;
    l0[i] = Math.sqrt(diag(i) - a1 * a1 - a2 * a2);
  }
  for (let i = 0; i < n; i++) {
    let s = x[i];
    if (i >= 1) s -= l1[i] * y[i - 1];
    if (i >= 2) s -= l2[i] * y[i - 2];
    y[i] = s / l0[i];
  }
  // Back substitution writes the trend into y in place (y[i] no longer needed once used).
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    if (i + 1 < n) s -= l1[i + 1] * y[i + 1];
    if (i + 2 < n) s -= l2[i + 2] * y[i + 2];
    y[i] = s / l0[i];
  }
  for (let i = 0; i < n; i++) out[i] = x[i] - y[i];
  return out;
}
