// Fine detail of the face in recorded captures, as the server's quality gate measures it
// (workers/face/fine-detail.ts on the crops the CNN reads; gate MIN_FINE_DETAIL): per presentation,
// to set the gate on one's own genuine recordings (docs/CALIBRATION.md, "Fine detail").
//   node test/eval/lib/pad-sharpness.ts <run dir | robustness perturbation dir> ...
// Prints: run, item id, attack type (or BF), fine-detail ratio, face width in crop pixels.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { faceInCrop } from '../../../server/analysis/cnn.ts';
import { fineDetailRatio } from '../../../workers/face/fine-detail.ts';
import { medianOrNull } from '../../../workers/signal/stats.ts';
import { decodeRecorded, loadPresentation, loadRecordedCapture } from './pad-record.ts';

/** The capture's fine-detail ratio and face width (crop pixels), as the server measures it, or null without a usable crop. */
export async function fineDetail(dir: string): Promise<{ ratio: number; face_px: number } | null> {
  const capture = await loadRecordedCapture(dir);
  const chunks = decodeRecorded(capture);
  const frames = new Map(chunks.flatMap((c) => c.frames).map((f) => [f.t, f]));
  const ratios: number[] = [], widths: number[] = [];
  // The crops the server's CNN stage reads (runCnn: the first frame_count).
  for (const context of chunks.flatMap((c) => c.context).slice(0, capture.frame_count)) {
    const img = jpeg.decode(context.crop, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 4 });
    const face = faceInCrop(context, frames.get(context.t), img.width);
    const ratio = fineDetailRatio(img.data, img.width, img.height, face);
    if (ratio === null) continue;
    ratios.push(ratio);
    widths.push(face.w);
  }
  const ratio = medianOrNull(ratios);
  return ratio === null ? null : { ratio, face_px: Math.round(medianOrNull(widths) ?? 0) };
}

if (import.meta.main) {
  for (const root of process.argv.slice(2)) {
    for (const entry of readdirSync(root).sort()) {
      const dir = join(root, entry);
      if (!existsSync(join(dir, 'capture.json'))) continue;
      const [presentation, detail] = await Promise.all([loadPresentation(dir), fineDetail(dir)]);
      console.log([root, presentation?.id ?? entry, presentation?.attack_type ?? 'BF', detail?.ratio.toFixed(3) ?? '-', detail?.face_px ?? '-'].join('\t'));
    }
  }
}
