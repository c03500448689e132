// Where the face is in a source the page found no face in: BlazeFace (the short-range detector
// whose ONNX the server's CNN check already loads, models/) on a few frames of the source itself,
// the way an attacker holding a picture sees where it is and brings it closer. Eval harness only.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { BLAZEFACE_FILE } from '../../../server/analysis/cnn.ts';
import { windowAround, type CameraMedia, type MediaItem, type SourceWindow } from './pad-media.ts';

const run = promisify(execFile);
const SIZE = 128;
/** The front model's anchors: a 16x16 grid with 2 per cell, then an 8x8 grid with 6 per cell. */
const ANCHORS: Array<[number, number]> = [
  ...Array.from({ length: 16 * 16 * 2 }, (_, i) => [((Math.floor(i / 2) % 16) + 0.5) / 16, (Math.floor(i / 32) + 0.5) / 16] as [number, number]),
  ...Array.from({ length: 8 * 8 * 6 }, (_, i) => [((Math.floor(i / 6) % 8) + 0.5) / 8, (Math.floor(i / 48) + 0.5) / 8] as [number, number]),
];
/** A face score below this is not a face. */
const MIN_SCORE = 0.6;

export interface FoundFace {
  /** Normalised [x, y, w, h] in the source's displayed frame. */
  box: [number, number, number, number];
  score: number;
  at_s: number;
}

/** A part of the source, normalised: the whole frame, then half-size windows (a small face). */
const WINDOWS: Array<[number, number, number]> = [
  [0, 0, 1],
  ...[0, 0.25, 0.5].flatMap((y) => [0, 0.25, 0.5].map((x) => [x, y, 0.5] as [number, number, number])),
];

/** A window in source pixels and the square it is padded to (centred). */
interface Crop { x: number; y: number; w: number; h: number; side: number }

function cropOf(width: number, height: number, [x, y, k]: [number, number, number]): Crop {
  const w = Math.round(width * k), h = Math.round(height * k);
  return { x: Math.round(width * x), y: Math.round(height * y), w, h, side: Math.max(w, h) };
}

/**
 * One frame at `t` seconds, each of `crops` cut out and padded to its square, 128 x 128 RGB: one
 * ffmpeg run per frame (the squares side by side in one image), not one per window.
 */
async function squareFrames(input: string, t: number, crops: Crop[]): Promise<Uint8Array[]> {
  const split = `[0:v]split=${crops.length}${crops.map((_, k) => `[s${k}]`).join('')}`;
  const squares = crops.map((c, k) => `[s${k}]crop=${c.w}:${c.h}:${c.x}:${c.y},pad=${c.side}:${c.side}:(ow-iw)/2:(oh-ih)/2:black,scale=${SIZE}:${SIZE}[q${k}]`);
  const stack = `${crops.map((_, k) => `[q${k}]`).join('')}hstack=inputs=${crops.length}`;
  const { stdout } = await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-ss', String(t), '-i', input, '-frames:v', '1',
    '-filter_complex', [split, ...squares, stack].join(';'),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-',
  ], { encoding: 'buffer', maxBuffer: 1 << 22 });
  const image = new Uint8Array(stdout as unknown as Buffer);
  const row = SIZE * 3 * crops.length;
  if (image.length !== row * SIZE) return [];
  return crops.map((_, k) => {
    const out = new Uint8Array(SIZE * SIZE * 3);
    for (let y = 0; y < SIZE; y++) out.set(image.subarray(y * row + k * SIZE * 3, y * row + (k + 1) * SIZE * 3), y * SIZE * 3);
    return out;
  });
}

/**
 * The most confident face over frames at `times` (seconds), or null when none scores MIN_SCORE.
 * `width` x `height`: the source's displayed size.
 */
export async function findFace(modelsDir: string, input: string, width: number, height: number, times: number[]): Promise<FoundFace | null> {
  const session = await ort.InferenceSession.create(join(modelsDir, BLAZEFACE_FILE), { logSeverityLevel: 3 });
  try {
    let best: FoundFace | null = null;
    const crops = WINDOWS.map((win) => cropOf(width, height, win));
    for (const t of times) {
      const frames = await squareFrames(input, t, crops).catch(() => []);
      for (const [k, rgb] of frames.entries()) {
        const crop = crops[k];
        const x = Float32Array.from(rgb, (v) => v / 127.5 - 1);
        const out = await session.run({ 'input:0': new ort.Tensor('float32', x, [1, SIZE, SIZE, 3]) });
        const scores = [...(out['Identity:0'].data as Float32Array), ...(out['Identity_1:0'].data as Float32Array)];
        const boxes = [out['Identity_2:0'].data as Float32Array, out['Identity_3:0'].data as Float32Array];
        scores.forEach((logit, i) => {
          const score = 1 / (1 + Math.exp(-logit));
          if (score < MIN_SCORE || (best && score <= best.score)) return;
          const [b, j] = i < 512 ? [boxes[0], i] : [boxes[1], i - 512];
          const [ax, ay] = ANCHORS[i];
          const cx = ax + b[16 * j] / SIZE, cy = ay + b[16 * j + 1] / SIZE, bw = b[16 * j + 2] / SIZE, bh = b[16 * j + 3] / SIZE;
          // Square fractions -> source pixels -> source fractions (the crop sits centred in its square).
          const { side } = crop;
          const sx = (v: number) => (crop.x + v * side - (side - crop.w) / 2) / width;
          const sy = (v: number) => (crop.y + v * side - (side - crop.h) / 2) / height;
          best = { box: [sx(cx - bw / 2), sy(cy - bh / 2), (bw * side) / width, (bh * side) / height], score, at_s: t };
        });
      }
    }
    return best;
  } finally {
    await session.release();
  }
}

/** A page run that gave up without ever seeing a face. */
export const NO_FACE = /no_face/;

/**
 * The attacker's move when the page found no face: the source's face (found on frames spread over
 * the clip) brought closer, as a window for cameraMedia; null when BlazeFace finds none either.
 */
export async function noFaceWindow(modelsDir: string, dir: string, item: MediaItem, media: CameraMedia): Promise<{ window: SourceWindow; found: FoundFace } | null> {
  const times = item.media === 'still' ? [0] : [0.1, 0.3, 0.5, 0.7, 0.9].map((f) => f * (item.duration_s ?? 5));
  const found = await findFace(modelsDir, resolve(dir, item.file), media.source.width, media.source.height, times);
  const window = found ? windowAround(media, found.box) : null;
  return found && window ? { window, found } : null;
}
