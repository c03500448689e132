// Fine detail: texture between the edges, independent of contrast, and lost when a face is an
// upscaled picture (a small screen brought close to the camera). Tonal range: kept under a change
// of exposure, lost when the darks are lifted (a screen's black lit by the room, haze on a lens).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { fineDetailRatio, tonalRange } from '../../../workers/face/fine-detail.ts';
import { FACES_DIR } from '../../helpers/y4m.ts';

function image() {
  const img = jpeg.decode(readFileSync(join(FACES_DIR, 'minivision-live-T1.jpg')), { useTArray: true, formatAsRGBA: true });
  return { data: img.data, width: img.width, height: img.height };
}

/** Down by `k` (box average), back up by bilinear interpolation: the same picture without its fine detail. */
function upscaled(src: ReturnType<typeof image>, k: number) {
  const w = Math.floor(src.width / k), h = Math.floor(src.height / k);
  const small = new Float32Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 4; c++) {
    let s = 0;
    for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) s += src.data[4 * ((y * k + dy) * src.width + x * k + dx) + c];
    small[4 * (y * w + x) + c] = s / (k * k);
  }
  const out = new Uint8Array(src.data.length);
  for (let y = 0; y < src.height; y++) for (let x = 0; x < src.width; x++) {
    const fx = Math.min(w - 1.001, Math.max(0, (x + 0.5) / k - 0.5)), fy = Math.min(h - 1.001, Math.max(0, (y + 0.5) / k - 0.5));
    const x0 = Math.floor(fx), y0 = Math.floor(fy), ax = fx - x0, ay = fy - y0;
    for (let c = 0; c < 4; c++) {
      const at = (xx: number, yy: number) => small[4 * (yy * w + xx) + c];
      out[4 * (y * src.width + x) + c] = Math.round((1 - ay) * ((1 - ax) * at(x0, y0) + ax * at(x0 + 1, y0)) + ay * ((1 - ax) * at(x0, y0 + 1) + ax * at(x0 + 1, y0 + 1)));
    }
  }
  return { ...src, data: out };
}

describe('fineDetailRatio', () => {
  const src = image();
  const face = { x: src.width * 0.25, y: src.height * 0.25, w: src.width * 0.5, h: src.height * 0.5 };

  it('falls when the same face is an upscaled picture, and does not follow contrast', () => {
    const sharp = fineDetailRatio(src.data, src.width, src.height, face)!;
    const soft = fineDetailRatio(upscaled(src, 4).data, src.width, src.height, face)!;
    expect(sharp).toBeGreaterThan(0);
    expect(soft).toBeLessThan(sharp * 0.75);
    const halfContrast = src.data.map((v, i) => (i % 4 === 3 ? v : 64 + Math.round(v / 2)));
    expect(fineDetailRatio(halfContrast, src.width, src.height, face)!).toBeCloseTo(sharp, 1);
  });

  it('is 0 on a flat image and null on a face too small to measure', () => {
    const flat = new Uint8Array(64 * 64 * 4).fill(128);
    expect(fineDetailRatio(flat, 64, 64, { x: 8, y: 8, w: 48, h: 48 })).toBe(0);
    expect(fineDetailRatio(src.data, src.width, src.height, { x: 10, y: 10, w: 6, h: 6 })).toBeNull();
  });
});

describe('tonalRange', () => {
  const src = image();
  const face = { x: src.width * 0.25, y: src.height * 0.25, w: src.width * 0.5, h: src.height * 0.5 };
  const mapped = (f: (v: number) => number) => src.data.map((v, i) => (i % 4 === 3 ? v : Math.round(f(v))));

  it('keeps its value when the exposure changes and falls when the darks are lifted', () => {
    const range = tonalRange(src.data, src.width, src.height, face)!;
    expect(range).toBeGreaterThan(0.3);
    // Half the light: every level halves, the range over the mean stays.
    expect(tonalRange(mapped((v) => v * 0.5), src.width, src.height, face)!).toBeCloseTo(range, 1);
    // A black level of 90 under the same whites (a screen's black lit by the room): washed out.
    const lifted = tonalRange(mapped((v) => 90 + v * (165 / 255)), src.width, src.height, face)!;
    expect(lifted).toBeLessThan(range * 0.7);
  });

  it('is 0 on a flat image and null on a face too small to measure', () => {
    const flat = new Uint8Array(64 * 64 * 4).fill(128);
    expect(tonalRange(flat, 64, 64, { x: 8, y: 8, w: 48, h: 48 })).toBe(0);
    expect(tonalRange(src.data, src.width, src.height, { x: 10, y: 10, w: 6, h: 6 })).toBeNull();
  });
});
