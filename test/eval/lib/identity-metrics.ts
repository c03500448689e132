// Identity evaluation metrics: pairs of clips, false match / false non-match rates per threshold,
// and the threshold chosen by leave-one-subject-out cross-validation (each subject's pairs are
// scored with a threshold fitted without that subject).

export interface Clip {
  /** item id plus clip suffix, e.g. "evm-face#a". */
  id: string;
  subject: string;
  /** Unit-length template (mean of the clip's frame embeddings, normalised). */
  template: Float32Array;
}

export interface Pair {
  a: string;
  b: string;
  same_person: boolean;
  similarity: number;
  subjects: [string, string];
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

/** Every unordered pair of distinct clips. */
export function allPairs(clips: readonly Clip[]): Pair[] {
  const out: Pair[] = [];
  for (let i = 0; i < clips.length; i++) {
    for (let j = i + 1; j < clips.length; j++) {
      const a = clips[i], b = clips[j];
      out.push({ a: a.id, b: b.id, same_person: a.subject === b.subject, similarity: cosine(a.template, b.template), subjects: [a.subject, b.subject] });
    }
  }
  return out;
}

export interface Rates {
  threshold: number;
  fmr: number | null;
  fnmr: number | null;
  false_matches: number;
  false_non_matches: number;
  genuine: number;
  impostor: number;
}

export function ratesAt(pairs: readonly Pair[], threshold: number): Rates {
  const genuine = pairs.filter((p) => p.same_person);
  const impostor = pairs.filter((p) => !p.same_person);
  const fm = impostor.filter((p) => p.similarity >= threshold).length;
  const fnm = genuine.filter((p) => p.similarity < threshold).length;
  return {
    threshold,
    fmr: impostor.length ? fm / impostor.length : null,
    fnmr: genuine.length ? fnm / genuine.length : null,
    false_matches: fm,
    false_non_matches: fnm,
    genuine: genuine.length,
    impostor: impostor.length,
  };
}

/** Margin above the highest impostor similarity seen in training. */
export const THRESHOLD_MARGIN = 0.05;
/** Never below this, whatever the training pairs say. */
export const THRESHOLD_FLOOR = 0.35;

/**
 * The fitting rule: zero false matches on the training pairs with a margin — the highest impostor
 * similarity plus THRESHOLD_MARGIN, at least THRESHOLD_FLOOR.
 */
export function fitThreshold(pairs: readonly Pair[]): number {
  let maxImpostor = -1;
  for (const p of pairs) if (!p.same_person && p.similarity > maxImpostor) maxImpostor = p.similarity;
  return Math.round(Math.max(THRESHOLD_FLOOR, maxImpostor + THRESHOLD_MARGIN) * 1000) / 1000;
}

export interface CrossValidation {
  /** The rule fitted on every pair: the threshold to ship. */
  threshold: number;
  /** Held-out rates: each pair scored by the threshold fitted without its subject(s). */
  fmr: number | null;
  fnmr: number | null;
  folds: { subject: string; threshold: number; pairs: number }[];
}

/**
 * Leave-one-subject-out: for each subject, fit on the pairs that do not involve it, score the
 * pairs that do. A pair of two subjects is scored in both folds (counted once per fold).
 */
export function leaveOneSubjectOut(pairs: readonly Pair[]): CrossValidation {
  const subjects = [...new Set(pairs.flatMap((p) => p.subjects))].sort();
  let fm = 0, impostor = 0, fnm = 0, genuine = 0;
  const folds: CrossValidation['folds'] = [];
  for (const s of subjects) {
    const held = pairs.filter((p) => p.subjects.includes(s));
    const train = pairs.filter((p) => !p.subjects.includes(s));
    if (held.length === 0) continue;
    const t = fitThreshold(train);
    folds.push({ subject: s, threshold: t, pairs: held.length });
    for (const p of held) {
      if (p.same_person) {
        genuine++;
        if (p.similarity < t) fnm++;
      } else {
        impostor++;
        if (p.similarity >= t) fm++;
      }
    }
  }
  return { threshold: fitThreshold(pairs), fmr: impostor ? fm / impostor : null, fnmr: genuine ? fnm / genuine : null, folds };
}
