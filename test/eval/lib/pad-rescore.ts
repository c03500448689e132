// Re-scores recorded robustness presentations (eval:pad:robust --record dir: dir/<perturbation>/<id>)
// with the current server analysis and the shipped fusion (server/policies/fusion-params.ts), no
// browser: what the server would answer today to the evidence the page sent then. Presentations
// that never reached a capture keep the page run's outcome (they are in the run's --out JSON).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_CHECK, FEATURES } from '../../../server/analysis/features.ts';
import { CHECK_WEIGHTS, FUSION_BIAS, RISK_LEVELS } from '../../../server/policies/defaults.ts';
import { analyseRecording } from './pad-analyse.ts';
import { loadPresentation } from './pad-record.ts';

export interface Rescored {
  perturbation: string;
  id: string;
  label: 'bona_fide' | 'attack';
  attack_type: string | null;
  verdict: 'live' | 'spoof' | 'quality_failed';
  score: number | null;
  reasons: string[];
}

/** The shipped standard-risk decision on one recorded presentation (fusion.ts, without a light challenge). */
export async function rescore(dir: string): Promise<Omit<Rescored, 'perturbation' | 'id' | 'label' | 'attack_type'> | null> {
  const a = await analyseRecording(dir);
  if (!a) return null;
  if (a.hard.length) return { verdict: 'spoof', score: 0, reasons: a.hard };
  if (a.quality.length) return { verdict: 'quality_failed', score: null, reasons: a.quality };
  const required = new Set<string>(RISK_LEVELS.standard.required_checks);
  let z = FUSION_BIAS;
  const reasons: string[] = [];
  for (const f of FEATURES) {
    if (!required.has(FEATURE_CHECK[f])) continue;
    const x = a.features[f];
    if (x === null) {
      if (f !== 'expression') return { verdict: 'spoof', score: null, reasons: [`${f}:not_run`] };
      continue;
    }
    z += CHECK_WEIGHTS[f] * x;
    if (x < 0) reasons.push(f);
  }
  const score = Math.round(100 / (1 + Math.exp(-z)));
  return { verdict: score >= RISK_LEVELS.standard.min_score ? 'live' : 'spoof', score, reasons };
}

/** Every recorded presentation under `root`/<perturbation>/<id>. */
export async function rescoreAll(root: string): Promise<Rescored[]> {
  const out: Rescored[] = [];
  for (const perturbation of readdirSync(root).sort()) {
    const pdir = join(root, perturbation);
    for (const id of readdirSync(pdir).sort()) {
      const dir = join(pdir, id);
      if (!existsSync(join(dir, 'capture.json'))) continue;
      const presentation = await loadPresentation(dir);
      const result = await rescore(dir);
      if (!presentation || !result) continue;
      out.push({ perturbation, id, label: presentation.label, attack_type: presentation.attack_type, ...result });
    }
  }
  return out;
}
