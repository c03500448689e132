// Fitting the calibrated fusion: a logistic regression over the per-check features
// (server/analysis/features.ts) with non-negative weights (more evidence of life never lowers the
// score), L2-regularised, classes balanced; and leave-one-subject-out cross-validation (every
// recording of a person is predicted by a model fitted without that person). Pure functions.

export interface Sample {
  /** Feature vector in FEATURES order (null features count as 0: no evidence either way). */
  x: number[];
  /** 1 bona fide, 0 attack. */
  y: 0 | 1;
  /** Cross-validation group: the person. */
  subject: string;
  /** Item id: several recordings of one item share one item's weight. */
  item: string;
  /** Attack type (attacks only): each type weighs the same among the attacks. */
  type?: string | null;
}

export interface FusionModel {
  bias: number;
  weights: number[];
}

export interface FitOptions {
  /** L2 penalty on the weights (not the bias), relative to the total sample weight. */
  l2?: number;
  iterations?: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function predict(model: FusionModel, x: readonly number[]): number {
  let z = model.bias;
  for (let k = 0; k < x.length; k++) z += model.weights[k] * x[k];
  return sigmoid(z);
}

/**
 * Sample weights: each item counts once whatever its number of recordings, the two classes weigh
 * the same in total, and among the attacks every attack type weighs the same (APCER is reported
 * per type: a type with many items must not drown a type with few).
 */
export function sampleWeights(samples: readonly Sample[]): number[] {
  const perItem = new Map<string, number>();
  for (const s of samples) perItem.set(s.item, (perItem.get(s.item) ?? 0) + 1);
  const raw = samples.map((s) => 1 / perItem.get(s.item)!);
  const group = (s: Sample) => (s.y === 1 ? 'bona_fide' : `attack:${s.type ?? ''}`);
  const totals = new Map<string, number>();
  samples.forEach((s, i) => totals.set(group(s), (totals.get(group(s)) ?? 0) + raw[i]));
  const attackTypes = [...totals.keys()].filter((k) => k.startsWith('attack:')).length;
  const n = samples.length;
  return samples.map((s, i) => {
    const share = s.y === 1 ? 0.5 : 0.5 / attackTypes;
    return (raw[i] * n * share) / totals.get(group(s))!;
  });
}

/** Projected Newton-free gradient descent: small data, a few features, always converges. */
export function fitLogistic(samples: readonly Sample[], opts: FitOptions = {}): FusionModel {
  const k = samples[0]?.x.length ?? 0;
  const l2 = opts.l2 ?? 1;
  const iterations = opts.iterations ?? 4000;
  const w = samples.length ? sampleWeights(samples) : [];
  const total = w.reduce((a, b) => a + b, 0) || 1;
  const model: FusionModel = { bias: 0, weights: new Array(k).fill(0.5) };
  // Step size from the largest feature scale (features are bounded to about [-2, 2]).
  const rate = 0.5;
  for (let it = 0; it < iterations; it++) {
    let gb = 0;
    const gw = new Array(k).fill(0);
    samples.forEach((s, i) => {
      const err = (predict(model, s.x) - s.y) * w[i];
      gb += err;
      for (let j = 0; j < k; j++) gw[j] += err * s.x[j];
    });
    model.bias -= (rate * gb) / total;
    for (let j = 0; j < k; j++) {
      const grad = gw[j] / total + (l2 * model.weights[j]) / total;
      model.weights[j] = Math.max(0, model.weights[j] - rate * grad);
    }
  }
  return model;
}

/** Held-out probability of every sample: fitted without the sample's subject (and only on `fitOn`). */
export function crossValidate(samples: readonly Sample[], opts: FitOptions = {}, fitOn: (s: Sample) => boolean = () => true): number[] {
  const subjects = [...new Set(samples.map((s) => s.subject))];
  const out = new Array<number>(samples.length).fill(Number.NaN);
  for (const subject of subjects) {
    const train = samples.filter((s) => s.subject !== subject && fitOn(s));
    // A fold with one class only cannot be fitted; it keeps NaN and the caller reports it.
    if (!train.some((s) => s.y === 1) || !train.some((s) => s.y === 0)) continue;
    const model = fitLogistic(train, opts);
    samples.forEach((s, i) => {
      if (s.subject === subject) out[i] = predict(model, s.x);
    });
  }
  return out;
}

export interface DetPoint {
  threshold: number;
  apcer: number;
  bpcer: number;
}

/**
 * Error rates at every threshold over scores (0..1): bona fide refused when its score is below
 * the threshold, an attack accepted when at or above. Presentations with no score (no capture,
 * quality failure) are refused at every threshold: pass them as -Infinity.
 */
export function detCurve(bona: readonly number[], attacks: readonly number[]): DetPoint[] {
  const thresholds = [...new Set([...bona, ...attacks].filter(Number.isFinite))].sort((a, b) => a - b);
  const points: DetPoint[] = [];
  for (const th of [-Infinity, ...thresholds, Infinity]) {
    points.push({
      threshold: th,
      bpcer: bona.length ? bona.filter((s) => !accepted(s, th)).length / bona.length : 0,
      apcer: attacks.length ? attacks.filter((s) => accepted(s, th)).length / attacks.length : 0,
    });
  }
  return points;
}

const accepted = (s: number, th: number) => Number.isFinite(s) && s >= th;

/** Equal error rate: where APCER and BPCER cross (the mean of the two at the closest point). */
export function equalErrorRate(points: readonly DetPoint[]): { eer: number; threshold: number } {
  let best = points[0];
  for (const p of points) if (Math.abs(p.apcer - p.bpcer) < Math.abs(best.apcer - best.bpcer)) best = p;
  return { eer: (best.apcer + best.bpcer) / 2, threshold: best.threshold };
}
