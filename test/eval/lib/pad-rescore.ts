// Re-scores recorded robustness presentations (eval:pad:robust --record dir: dir/<perturbation>/<id>)
// with the current server analysis and the server's own `fuse` (shipped fusion-params.ts), no
// browser: what the server would answer today to the evidence the page sent then. Presentations
// that never reached a capture keep the page run's outcome (they are in the run's --out JSON).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyseRecording, decisionOf } from './pad-analyse.ts';
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

/** The shipped decision on one recorded presentation (server/analysis/fusion.ts, no light challenge ran). */
export async function rescore(dir: string): Promise<Omit<Rescored, 'perturbation' | 'id' | 'label' | 'attack_type'> | null> {
  const outcome = (await analyseRecording(dir))?.outcome;
  return outcome ? decisionOf(outcome) : null;
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
