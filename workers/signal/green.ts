import { normalizeByMovingMean } from './normalize.ts';

/**
 * GREEN baseline (Verkruysse, Svaasand & Nelson 2008): the green channel carries most of the
 * blood-volume signal. Normalised by its moving mean and negated, since more blood absorbs more
 * green light.
 */
export function green(rgb: ArrayLike<number>, sampleRate: number, out: Float64Array, windowSeconds = 1.6): Float64Array {
  const n = Math.floor(rgb.length / 3);
  normalizeByMovingMean(rgb, 3, 1, n, Math.max(2, Math.round(windowSeconds * sampleRate)), out);
  for (let i = 0; i < n; i++) out[i] = -out[i];
  return out;
}
