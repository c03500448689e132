// MiniFASNet crop geometry, page + server against upstream: the page cuts a 4.0x context crop
// around its face box and squeezes it into a square; the server re-cuts the 2.7x (MiniFASNetV2) and
// 4.0x (V1SE) regions inside it. On landscape, portrait and letterboxed frames, with faces centred,
// at the edge and filling the frame, those regions must be the ones upstream's CropImage cuts from
// the full frame (Silent-Face-Anti-Spoofing `_get_new_box`), to within the context crop's
// resampling (a pixel of the context crop).
import { describe, expect, it } from 'vitest';
import { faceInCrop } from '../../../server/analysis/cnn.ts';
import { computeCropBounds, normalisedCropBox, type PixelBox } from '../../../workers/cnn/index.ts';
import type { ContextCrop, FrameRecord } from '../../../workers/codec/index.ts';

const CONTEXT = 160;

function serverRegion(face: PixelBox, W: number, H: number, scale: number) {
  const ctx = computeCropBounds(face, W, H, 4);
  const context = { t: 0, box: normalisedCropBox(ctx, W, H), crop: new Uint8Array(0) } as ContextCrop;
  const frame = { box: Float32Array.of(face.x / W, face.y / H, face.w / W, face.h / H) } as unknown as FrameRecord;
  const inCrop = faceInCrop(context, frame, CONTEXT);
  const b = computeCropBounds(inCrop, CONTEXT, CONTEXT, scale);
  const sx = (ctx.right - ctx.left + 1) / CONTEXT, sy = (ctx.bottom - ctx.top + 1) / CONTEXT;
  return { left: ctx.left + b.left * sx, right: ctx.left + (b.right + 1) * sx - 1, top: ctx.top + b.top * sy, bottom: ctx.top + (b.bottom + 1) * sy - 1, px: Math.max(sx, sy) };
}

const cases: Array<[string, number, number, PixelBox]> = [
  ['landscape 640x480, centred', 640, 480, { x: 270, y: 170, w: 100, h: 130 }],
  ['portrait 480x640, centred', 480, 640, { x: 190, y: 230, w: 100, h: 130 }],
  ['landscape 1280x720, small face off centre', 1280, 720, { x: 700, y: 200, w: 90, h: 115 }],
  ['letterboxed 640x480 (picture in rows 60-420), face near the bar', 640, 480, { x: 300, y: 70, w: 80, h: 100 }],
  ['face at the left edge', 640, 480, { x: 2, y: 180, w: 90, h: 120 }],
  ['face filling the frame height (scale clamped)', 640, 480, { x: 200, y: 40, w: 240, h: 320 }],
];

describe('MiniFASNet crop regions: page context crop + server re-crop = upstream on the full frame', () => {
  for (const [name, W, H, face] of cases) {
    it(name, () => {
      for (const scale of [2.7, 4.0]) {
        const upstream = computeCropBounds(face, W, H, scale);
        const server = serverRegion(face, W, H, scale);
        const tol = 1.5 * server.px + 1;
        for (const k of ['left', 'right', 'top', 'bottom'] as const) {
          expect(Math.abs(server[k] - upstream[k]), `${name} scale ${scale} ${k}: server ${server[k].toFixed(1)} upstream ${upstream[k]}`).toBeLessThanOrEqual(tol);
        }
      }
    });
  }
});
