// The pure MiniFASNet pre/post-processing fed to the real models through onnxruntime-node.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computeCropBounds,
  cropToBgrTensor,
  ensembleRealProbability,
  MINIFASNET_MODELS,
  realProbabilities,
} from '../../../workers/cnn/index.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const SHARED = resolve(ROOT, '../shared');
const modelPath = (file: string) => {
  const local = resolve(ROOT, 'models', file);
  return existsSync(local) ? local : resolve(SHARED, 'models', file);
};

// Face box of astronaut.png (512x512): the bounding box of MediaPipe FaceLandmarker's 478
// landmarks on this image (tasks-vision 1.1.0, IMAGE mode, CPU), measured once:
// x 180.7..270.2, y 71.8..177.4. The models README's 0.990 is for this kind of box.
const ASTRONAUT_FACE = { x: 181, y: 72, w: 89, h: 106 };

function decodeRgba(file: string): { pixels: Uint8Array; width: number; height: number } {
  const probe = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const [width, height] = probe.trim().split(',').map(Number);
  const raw = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], { maxBuffer: 64 << 20 });
  return { pixels: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), width, height };
}

describe('computeCropBounds', () => {
  it('scales the box about its centre when it fits', () => {
    const b = computeCropBounds({ x: 100, y: 100, w: 50, h: 50 }, 400, 400, 2);
    expect(b).toEqual({ left: 75, top: 75, right: 175, bottom: 175 });
  });
  it('shifts the crop inside the image instead of cutting it', () => {
    const b = computeCropBounds({ x: 0, y: 0, w: 40, h: 40 }, 300, 200, 2.7);
    expect(b.left).toBe(0);
    expect(b.top).toBe(0);
    expect(b.right - b.left).toBeCloseTo(108, 0);
    const c = computeCropBounds({ x: 260, y: 160, w: 40, h: 40 }, 300, 200, 2.7);
    expect(c.right).toBe(299);
    expect(c.bottom).toBe(199);
    expect(c.right - c.left).toBeCloseTo(108, 0);
  });
  it('shrinks the scale when the scaled box cannot fit at all', () => {
    const b = computeCropBounds({ x: 50, y: 50, w: 100, h: 100 }, 200, 200, 4);
    expect(b).toEqual({ left: 0, top: 0, right: 199, bottom: 199 });
  });
  it('rejects an empty face box', () => {
    expect(() => computeCropBounds({ x: 0, y: 0, w: 0, h: 10 }, 100, 100, 2)).toThrow(RangeError);
  });
});

describe('cropToBgrTensor', () => {
  it('writes BGR planes of raw 0..255 values', () => {
    // 2x2 RGBA image, one colour: R=10 G=20 B=30.
    const px = new Uint8Array(16);
    for (let i = 0; i < 4; i++) px.set([10, 20, 30, 255], i * 4);
    const t = cropToBgrTensor(px, 2, 2, { left: 0, top: 0, right: 1, bottom: 1 }, 4);
    expect(t.length).toBe(48);
    expect(Array.from(t.subarray(0, 16)).every((v) => v === 30)).toBe(true);
    expect(Array.from(t.subarray(16, 32)).every((v) => v === 20)).toBe(true);
    expect(Array.from(t.subarray(32, 48)).every((v) => v === 10)).toBe(true);
  });
  it('interpolates bilinearly with half-pixel centres', () => {
    // 2x1 grey ramp 0 -> 100 upsampled to 4x1: OpenCV gives 0, 25, 75, 100.
    const px = new Uint8Array([0, 0, 0, 255, 100, 100, 100, 255]);
    const out = new Float32Array(3 * 16);
    cropToBgrTensor(px, 2, 1, { left: 0, top: 0, right: 1, bottom: 0 }, 4, 4, out);
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 25, 75, 100]);
  });
});

describe('softmax helpers', () => {
  it('reads class 1 as real', () => {
    const p = realProbabilities([0, 10, 0, 10, 0, 0]);
    expect(p[0]).toBeGreaterThan(0.99);
    expect(p[1]).toBeLessThan(0.01);
  });
  it('averages softmax vectors across models', () => {
    expect(ensembleRealProbability([[0, 0, 0], [0, 0, 0]])).toBeCloseTo(1 / 3, 10);
  });
});

describe('MiniFASNet on astronaut.png (onnxruntime-node)', () => {
  const image = decodeRgba(resolve(SHARED, 'data/faces/astronaut.png'));
  const sessions: ort.InferenceSession[] = [];
  beforeAll(async () => {
    for (const spec of MINIFASNET_MODELS) sessions.push(await ort.InferenceSession.create(modelPath(spec.file)));
  });
  afterAll(async () => {
    for (const s of sessions) await s.release();
  });

  async function score(i: number): Promise<number> {
    const spec = MINIFASNET_MODELS[i];
    const bounds = computeCropBounds(ASTRONAUT_FACE, image.width, image.height, spec.scale);
    const input = cropToBgrTensor(image.pixels, image.width, image.height, bounds);
    const out = await sessions[i].run({ [spec.inputName]: new ort.Tensor('float32', input, [1, 3, 80, 80]) });
    return realProbabilities(out[spec.outputName].data as Float32Array)[0];
  }

  it('MiniFASNetV2 on the 2.7x crop says real ≈ 0.99', async () => {
    expect(await score(0)).toBeGreaterThan(0.97);
  });

  it('a flat grey frame is not called real', async () => {
    // MiniFASNet calls many textured backgrounds "real" (the open model is limited, README);
    // a featureless frame is the honest negative here.
    const grey = new Uint8Array(64 * 64 * 4).fill(128);
    const bounds = computeCropBounds({ x: 20, y: 20, w: 20, h: 20 }, 64, 64, 2.7);
    const input = cropToBgrTensor(grey, 64, 64, bounds);
    const out = await sessions[0].run({ input: new ort.Tensor('float32', input, [1, 3, 80, 80]) });
    expect(realProbabilities(out.output.data as Float32Array)[0]).toBeLessThan(0.5);
  });

  it('the V2 + V1SE ensemble still says real', async () => {
    const logits: Float32Array[] = [];
    for (let i = 0; i < MINIFASNET_MODELS.length; i++) {
      const spec = MINIFASNET_MODELS[i];
      const bounds = computeCropBounds(ASTRONAUT_FACE, image.width, image.height, spec.scale);
      const input = cropToBgrTensor(image.pixels, image.width, image.height, bounds);
      const out = await sessions[i].run({ input: new ort.Tensor('float32', input, [1, 3, 80, 80]) });
      logits.push(out.output.data as Float32Array);
    }
    expect(ensembleRealProbability(logits)).toBeGreaterThan(0.9);
  });
});
