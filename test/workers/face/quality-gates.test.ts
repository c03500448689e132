import { describe, expect, it } from 'vitest';
import { exposureStats } from '../../../workers/face/exposure.ts';
import { frameTimingStats } from '../../../workers/face/frame-timing.ts';
import { rgbaToGray } from '../../../workers/face/grayscale.ts';
import {
  DEFAULT_MIN_SHARPNESS, createQualityAccumulator, evaluateQuality, type QualityFrame,
} from '../../../workers/face/quality-gates.ts';
import { laplacianVariance } from '../../../workers/face/sharpness.ts';
import { mulberry32 } from '../codec/chunk-fixture.ts';

const SIZE = 64;

/** A textured skin-tone crop: smooth shading plus pore-scale detail and a few dark features. */
function sharpCrop(seed = 1, gain = 1, offset = 0): Uint8ClampedArray {
  const random = mulberry32(seed);
  const img = new Uint8ClampedArray(SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const shade = 150 + 30 * Math.cos((x - 32) / 20) - 20 * ((y - 32) / 32) ** 2;
      const detail = (random() - 0.5) * 50 + (((x >> 2) + (y >> 2)) % 2 ? 12 : -12);
      const eye = (Math.abs(y - 24) < 3 && (Math.abs(x - 20) < 6 || Math.abs(x - 44) < 6)) ? -90 : 0;
      const v = shade + detail + eye;
      const o = (y * SIZE + x) * 4;
      img[o] = (v * 1.1) * gain + offset;
      img[o + 1] = (v * 0.8) * gain + offset;
      img[o + 2] = (v * 0.65) * gain + offset;
      img[o + 3] = 255;
    }
  }
  return img;
}

/** Separable box filter of radius r, repeated: a defocus-like blur. */
function boxBlur(src: Uint8ClampedArray, r: number, passes = 2): Uint8ClampedArray {
  let a = Uint8ClampedArray.from(src);
  for (let p = 0; p < passes; p++) {
    for (const horizontal of [true, false]) {
      const b = new Uint8ClampedArray(a.length);
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          for (let c = 0; c < 4; c++) {
            let s = 0, n = 0;
            for (let k = -r; k <= r; k++) {
              const xx = horizontal ? x + k : x, yy = horizontal ? y : y + k;
              if (xx < 0 || yy < 0 || xx >= SIZE || yy >= SIZE) continue;
              s += a[(yy * SIZE + xx) * 4 + c]; n++;
            }
            b[(y * SIZE + x) * 4 + c] = s / n;
          }
        }
      }
      a = b;
    }
  }
  return a;
}

function frames(count: number, crop: Uint8ClampedArray | null, opts: { dt?: number; boxSide?: number; missingEvery?: number; jitter?: number } = {}): QualityFrame[] {
  const out: QualityFrame[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    // Jitter: bursty delivery, short and long intervals alternating around the same mean.
    t += (opts.dt ?? 33.3) + (opts.jitter ?? 0) * (i % 2 ? 1 : -1);
    const side = opts.boxSide ?? 0.45;
    const missing = opts.missingEvery ? i % opts.missingEvery === 0 : false;
    out.push({
      tMs: t, frameWidth: 640, frameHeight: 480,
      faceBox: missing ? null : [0.3, 0.2, side * 0.75, side],
      crop: crop && !missing ? { rgba: crop, size: SIZE } : null,
    });
  }
  return out;
}

function evaluate(list: QualityFrame[]) {
  const q = createQualityAccumulator();
  for (const f of list) q.addFrame(f);
  return q.evaluate();
}

describe('quality measures', () => {
  it('Laplacian variance separates a sharp crop from box-blurred ones', () => {
    const sharp = rgbaToGray(sharpCrop(), SIZE, SIZE);
    const soft = rgbaToGray(boxBlur(sharpCrop(), 1), SIZE, SIZE);
    const softer = rgbaToGray(boxBlur(sharpCrop(), 2), SIZE, SIZE);
    const vs = laplacianVariance(sharp, SIZE, SIZE);
    expect(vs).toBeGreaterThan(5 * DEFAULT_MIN_SHARPNESS);
    expect(laplacianVariance(soft, SIZE, SIZE)).toBeLessThan(DEFAULT_MIN_SHARPNESS);
    expect(laplacianVariance(softer, SIZE, SIZE)).toBeLessThan(laplacianVariance(soft, SIZE, SIZE));
    expect(laplacianVariance(new Uint8Array(SIZE * SIZE).fill(128), SIZE, SIZE)).toBe(0);
  });

  it('exposure statistics count dark and clipped pixels', () => {
    const g = new Uint8Array([0, 10, 30, 128, 200, 250, 255, 255]);
    const e = exposureStats(g);
    expect(e.dark_share).toBeCloseTo(2 / 8);
    expect(e.clipped_share).toBeCloseTo(3 / 8);
    expect(e.mean_luma).toBeCloseTo(g.reduce((s, v) => s + v, 0) / 8);
  });

  it('frame timing finds the rate, drops and jitter', () => {
    const regular = Array.from({ length: 91 }, (_, i) => i * 33.3);
    const s = frameTimingStats(regular);
    expect(s.fps).toBeCloseTo(30.03, 1);
    expect(s.dropped_frames).toBe(0);
    expect(s.jitter_cv).toBeLessThan(1e-6);
    const gappy = regular.filter((_, i) => i % 10 !== 5);
    const g = frameTimingStats(gappy);
    expect(g.dropped_frames).toBe(9);
    expect(g.max_gap_ms).toBeCloseTo(66.6, 5);
    expect(frameTimingStats([0, 10, 10, 5]).non_increasing).toBe(2);
    expect(frameTimingStats([5]).fps).toBe(0);
  });
});

describe('quality gates', () => {
  it('pass a well-lit, sharp, large, steady capture', () => {
    const r = evaluate(frames(90, sharpCrop()));
    expect(r.reasons).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.metrics.face_present_ratio).toBe(1);
    expect(r.metrics.timing.fps).toBeGreaterThan(29);
  });

  it.each([
    ['too_dark', frames(60, sharpCrop(1, 0.25))],
    ['overexposed', frames(60, sharpCrop(1, 1, 110))],
    ['blurry', frames(60, boxBlur(sharpCrop(), 2))],
    ['face_too_small', frames(60, sharpCrop(), { boxSide: 0.12 })],
    ['face_missing', frames(60, sharpCrop(), { missingEvery: 3 })],
    ['low_frame_rate', frames(30, sharpCrop(), { dt: 100 })],
    ['frame_jitter', frames(90, sharpCrop(), { jitter: 28 })],
  ] as const)('fail with %s', (reason, list) => {
    const r = evaluate([...list]);
    expect(r.passed).toBe(false);
    expect(r.reasons).toEqual([reason]);
  });

  it('report face_missing when there are no frames at all, and reset', () => {
    const q = createQualityAccumulator();
    expect(q.evaluate().reasons).toEqual(['face_missing']);
    for (const f of frames(30, sharpCrop())) q.addFrame(f);
    expect(q.evaluate().passed).toBe(true);
    q.reset();
    expect(q.metrics().frames).toBe(0);
  });

  it('apply custom thresholds to metrics computed elsewhere', () => {
    const q = createQualityAccumulator();
    for (const f of frames(60, sharpCrop())) q.addFrame(f);
    const m = q.metrics();
    expect(evaluateQuality(m).passed).toBe(true);
    expect(evaluateQuality(m, { minFaceSize: 0.9 }).reasons).toEqual(['face_too_small']);
    expect(evaluateQuality(m, { minFps: 40 }).reasons).toEqual(['low_frame_rate']);
  });
});
