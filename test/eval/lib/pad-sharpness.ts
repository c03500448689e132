// Fine detail of the face in recorded captures (a probe, not part of the decision): per context
// crop, the standard deviation of the luma Laplacian over the mean gradient magnitude inside the
// central 60 % of the face box, median over the capture. A face re-captured from a small screen and
// brought closer is an upscaled picture: edges without fine texture. docs/EVALUATION.md reports it.
//   node test/eval/lib/pad-sharpness.ts <run dir | robustness perturbation dir> ...
// Prints: run, item id, attack type (or BF), fine-detail ratio, face width in crop pixels.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { faceInCrop } from '../../../server/analysis/cnn.ts';
import { decodeRecorded, loadPresentation, loadRecordedCapture } from './pad-record.ts';

const median = (a: number[]) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** The capture's fine-detail ratio and face width (crop pixels), or null without a usable crop. */
export async function fineDetail(dir: string): Promise<{ ratio: number; face_px: number } | null> {
  const chunks = decodeRecorded(await loadRecordedCapture(dir));
  const frames = new Map(chunks.flatMap((c) => c.frames).map((f) => [f.t, f]));
  const ratios: number[] = [], widths: number[] = [];
  for (const context of chunks.flatMap((c) => c.context)) {
    const img = jpeg.decode(context.crop, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 4 });
    const face = faceInCrop(context, frames.get(context.t), img.width);
    const W = img.width, H = img.height;
    const luma = (x: number, y: number) => { const i = 4 * (y * W + x); return 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2]; };
    const x0 = Math.max(1, Math.round(face.x + face.w * 0.2)), x1 = Math.min(W - 2, Math.round(face.x + face.w * 0.8));
    const y0 = Math.max(1, Math.round(face.y + face.h * 0.2)), y1 = Math.min(H - 2, Math.round(face.y + face.h * 0.8));
    let sum = 0, sum2 = 0, grad = 0, n = 0;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const lap = 4 * luma(x, y) - luma(x - 1, y) - luma(x + 1, y) - luma(x, y - 1) - luma(x, y + 1);
        sum += lap; sum2 += lap * lap; n++;
        grad += Math.abs(luma(x + 1, y) - luma(x - 1, y)) + Math.abs(luma(x, y + 1) - luma(x, y - 1));
      }
    }
    if (n < 50) continue;
    ratios.push(Math.sqrt(Math.max(0, sum2 / n - (sum / n) ** 2)) / Math.max(1, grad / n));
    widths.push(face.w);
  }
  return ratios.length ? { ratio: median(ratios), face_px: Math.round(median(widths)) } : null;
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
