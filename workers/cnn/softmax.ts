/** MiniFASNet output: three logits per image; class 1 = real, 0 = 2D attack, 2 = 3D attack. */

export const MINIFASNET_REAL_CLASS = 1;

/** Numerically stable softmax of `logits[offset .. offset + n)`. */
export function softmax(logits: ArrayLike<number>, offset = 0, n = logits.length - offset): Float64Array {
  if (n < 1) throw new RangeError('softmax of nothing');
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]);
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(logits[offset + i] - max);
    sum += out[i];
  }
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

/** Probability of "real" for each row of an [N, 3] logit matrix. */
export function realProbabilities(logits: ArrayLike<number>, classes = 3): Float64Array {
  const rows = Math.floor(logits.length / classes);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = softmax(logits, r * classes, classes)[MINIFASNET_REAL_CLASS];
  return out;
}

/** Upstream's ensemble: the mean of the models' softmax vectors, read at class 1. */
export function ensembleRealProbability(perModelLogits: ArrayLike<number>[], classes = 3): number {
  if (perModelLogits.length === 0) throw new RangeError('no model outputs');
  let sum = 0;
  for (const logits of perModelLogits) sum += softmax(logits, 0, classes)[MINIFASNET_REAL_CLASS];
  return sum / perModelLogits.length;
}
