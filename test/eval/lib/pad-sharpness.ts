// Fine detail of the face in recorded captures, as the server's quality gate measures it: the
// server's own analysis of each recording (pad-analyse.ts; workers/face/fine-detail.ts on the crops
// the CNN reads; gate MIN_FINE_DETAIL). Per presentation, to set the gate on one's own genuine
// recordings (docs/CALIBRATION.md, "Fine detail").
//   node test/eval/lib/pad-sharpness.ts <run dir | robustness perturbation dir> ...
// Prints: run, item id, attack type (or BF), fine-detail ratio, tonal range ('-' where none was
// measured).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyseRecording } from './pad-analyse.ts';
import { loadPresentation } from './pad-record.ts';

if (import.meta.main) {
  for (const root of process.argv.slice(2)) {
    for (const entry of readdirSync(root).sort()) {
      const dir = join(root, entry);
      if (!existsSync(join(dir, 'capture.json'))) continue;
      const [presentation, analysed] = await Promise.all([loadPresentation(dir), analyseRecording(dir)]);
      console.log([root, presentation?.id ?? entry, presentation?.attack_type ?? 'BF', analysed?.raw.fine_detail?.toFixed(3) ?? '-', analysed?.raw.tonal_range?.toFixed(3) ?? '-'].join('\t'));
    }
  }
}
