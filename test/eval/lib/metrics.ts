/** Accuracy summary of heart-rate estimates against truth. */

export interface EvalItem {
  id: string;
  truth_bpm: number;
  estimate_bpm: number;
  snr_db: number;
  confident: boolean;
}

export interface EvalSummary {
  mae: number;
  rmse: number;
  within5: number;
  coverage: number;
  mae_confident: number | null;
}

export function summarize(items: readonly EvalItem[]): EvalSummary {
  const scored = items.filter((i) => Number.isFinite(i.truth_bpm));
  const err = scored.map((i) => (Number.isFinite(i.estimate_bpm) ? Math.abs(i.estimate_bpm - i.truth_bpm) : Number.NaN));
  const valid = err.filter((e) => Number.isFinite(e));
  const mean = (a: number[]): number => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : Number.NaN);
  const conf = scored.filter((i, k) => i.confident && Number.isFinite(err[k])).map((i) => Math.abs(i.estimate_bpm - i.truth_bpm));
  return {
    mae: mean(valid),
    rmse: Math.sqrt(mean(valid.map((e) => e * e))),
    within5: scored.length ? valid.filter((e) => e <= 5).length / scored.length : Number.NaN,
    coverage: scored.length ? scored.filter((i) => i.confident).length / scored.length : Number.NaN,
    mae_confident: conf.length ? mean(conf) : null,
  };
}
