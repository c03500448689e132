import { describe, expect, it } from 'vitest';
import { computeCropRoiPolygons, mapPolygonToCrop } from '../../../workers/face/crop-mapping.ts';
import { computeFaceBox, squareCropBox } from '../../../workers/face/face-box.ts';
import { computeRoiPolygons, createRoiPolygons, pointInPolygon, polygonArea } from '../../../workers/face/roi-polygons.ts';
import { sampleRoiMeans } from '../../../workers/face/roi-sampling.ts';
import { DEFAULT_SKIN_THRESHOLDS, LUMA_ONLY_SKIN_MASK, NO_SKIN_MASK, isSkinPixel } from '../../../workers/face/skin-mask.ts';
import { loadAstronaut, moveRigid } from './fixture.ts';

const SKIN = [[224, 172, 150], [190, 140, 110], [141, 85, 36]] as const; // light to dark skin tones

/** Paints each polygon's pixel centres with a colour, everything else with `background`. */
function paint(width: number, height: number, polys: Float32Array[], colours: readonly (readonly number[])[], background: readonly number[]) {
  const img = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c = background;
      polys.forEach((p, r) => { if (pointInPolygon(p, x + 0.5, y + 0.5)) c = colours[r]; });
      img.set([c[0], c[1], c[2], 255], (y * width + x) * 4);
    }
  }
  return img;
}

describe('ROI sampling', () => {
  const f = loadAstronaut();
  const W = 640, H = 480;
  const lm = moveRigid(f, { scale: 2.5, dx: 30, dy: 140 }); // a face about 300 px wide, inside a 640x480 frame
  const polys = createRoiPolygons();
  computeRoiPolygons(lm, W, H, polys);

  it('uses a face well inside the frame', () => {
    for (const p of polys) {
      for (let i = 0; i < p.length; i += 2) {
        expect(p[i]).toBeGreaterThan(0); expect(p[i]).toBeLessThan(W);
        expect(p[i + 1]).toBeGreaterThan(0); expect(p[i + 1]).toBeLessThan(H);
      }
      expect(polygonArea(p)).toBeGreaterThan(1500);
    }
  });

  it('returns the exact colour and pixel count of each polygon', () => {
    const img = paint(W, H, polys, SKIN, [20, 200, 30]);
    const means = new Float32Array(9);
    const counts = new Uint32Array(3);
    sampleRoiMeans(img, W, H, polys, means, counts);
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) expect(means[3 * r + c]).toBeCloseTo(SKIN[r][c], 4);
      // Scanline membership equals the even-odd centre test exactly (minus any shared pixels).
      let expected = 0;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (pointInPolygon(polys[r], x + 0.5, y + 0.5)) expected++;
      expect(Math.abs(counts[r] - expected)).toBeLessThanOrEqual(2);
      expect(Math.abs(counts[r] - polygonArea(polys[r]))).toBeLessThan(0.1 * polygonArea(polys[r]));
    }
  });

  it('averages mixed pixels and drops non-skin ones through the mask', () => {
    const img = paint(W, H, polys, SKIN, [0, 0, 0]);
    // Stripe blue (non-skin) and a second skin tone through every other row.
    for (let y = 0; y < H; y += 2) {
      for (let x = 0; x < W; x++) {
        const o = (y * W + x) * 4;
        if (x % 2) img.set([30, 60, 220], o); else img.set([200, 150, 120], o);
      }
    }
    const means = new Float32Array(9), counts = new Uint32Array(3);
    const allMeans = new Float32Array(9), allCounts = new Uint32Array(3);
    sampleRoiMeans(img, W, H, polys, means, counts);
    sampleRoiMeans(img, W, H, polys, allMeans, allCounts, { skin: NO_SKIN_MASK });
    expect(isSkinPixel(30, 60, 220)).toBe(false);
    for (let r = 0; r < 3; r++) {
      expect(counts[r]).toBeLessThan(allCounts[r] * 0.85);
      expect(counts[r]).toBeGreaterThan(allCounts[r] * 0.6);
      expect(means[3 * r + 2]).toBeLessThan(160); // no blue pixels in the skin mean
      expect(allMeans[3 * r + 2]).toBeGreaterThan(means[3 * r + 2]);
    }
  });

  it('reports zero skin and zero means for a non-skin region, and skips pixels outside the frame', () => {
    const img = paint(W, H, polys, [[0, 0, 255], [0, 0, 255], [0, 0, 255]], [0, 0, 0]);
    const means = new Float32Array(9).fill(7), counts = new Uint32Array(3).fill(7);
    sampleRoiMeans(img, W, H, polys, means, counts);
    expect(Array.from(counts)).toEqual([0, 0, 0]);
    expect(Array.from(means)).toEqual(new Array(9).fill(0));
    const off = [Float32Array.from([-50, -50, 20, -50, 20, 20, -50, 20]), Float32Array.from([630, 470, 700, 470, 700, 560])];
    const img2 = paint(W, H, [], [], SKIN[0]);
    sampleRoiMeans(img2, W, H, off, means, counts, { skin: DEFAULT_SKIN_THRESHOLDS });
    expect(counts[0]).toBe(20 * 20);
    expect(counts[1]).toBeGreaterThan(0);
    expect(means[0]).toBeCloseTo(SKIN[0][0]);
  });

  it('keeps skin under mild screen light; the luma-only mask keeps it under strong light', () => {
    const tones = [[224, 172, 150], [190, 140, 110], [141, 85, 36], [255, 219, 190]];
    const lit = (s: number[], light: number[], share: number) =>
      s.map((v, i) => Math.min(255, v * (1 - share) + share * (v / 255) * light[i] * 1.5));
    for (const light of [[255, 0, 0], [0, 255, 0], [0, 0, 255]]) {
      for (const s of tones) {
        const mild = lit(s, light, 0.1);
        expect(isSkinPixel(mild[0], mild[1], mild[2]), `${s} under 10 % ${light}`).toBe(true);
        const strong = lit(s, light, 0.35);
        expect(isSkinPixel(strong[0], strong[1], strong[2], LUMA_ONLY_SKIN_MASK), `${s} under 35 % ${light}`).toBe(true);
      }
    }
    // The default chroma box does drop some strongly lit tones: why the luma-only mask exists.
    const blue = lit(tones[0], [0, 0, 255], 0.35);
    expect(isSkinPixel(blue[0], blue[1], blue[2])).toBe(false);
  });

  it('treats polygons with unknown vertices as empty', () => {
    const img = paint(W, H, polys, SKIN, [0, 0, 0]);
    const bad = polys.map((p) => p.slice());
    bad[1][3] = Number.NaN;
    const means = new Float32Array(9), counts = new Uint32Array(3);
    sampleRoiMeans(img, W, H, bad, means, counts);
    expect(counts[1]).toBe(0);
    expect(counts[0]).toBeGreaterThan(0);
  });

  it('gives the same means from an aligned face crop as from the frame', () => {
    const img = paint(W, H, polys, SKIN, [20, 200, 30]);
    const box = new Float32Array(4);
    expect(computeFaceBox(lm, box)).toBe(true);
    const sq = squareCropBox(box, W, H);
    const size = 128;
    // Nearest-neighbour resample of the square crop, as a canvas drawImage would (roughly).
    const crop = new Uint8ClampedArray(size * size * 4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const sx = Math.floor(sq[0] + ((x + 0.5) * sq[2]) / size), sy = Math.floor(sq[1] + ((y + 0.5) * sq[2]) / size);
        if (sx < 0 || sy < 0 || sx >= W || sy >= H) continue;
        crop.set(img.subarray((sy * W + sx) * 4, (sy * W + sx) * 4 + 4), (y * size + x) * 4);
      }
    }
    const cropPolys = createRoiPolygons();
    expect(computeCropRoiPolygons(lm, box, W, H, size, cropPolys)).toBe(true);
    const means = new Float32Array(9), counts = new Uint32Array(3);
    sampleRoiMeans(crop, size, size, cropPolys, means, counts);
    for (let r = 0; r < 3; r++) {
      expect(counts[r]).toBeGreaterThan(20);
      // Edge pixels may pick up a neighbour's colour: allow a little bleeding.
      for (let c = 0; c < 3; c++) expect(Math.abs(means[3 * r + c] - SKIN[r][c])).toBeLessThan(12);
    }
    // mapPolygonToCrop is a pure similarity: area scales with (size / square side)^2.
    const mapped = mapPolygonToCrop(polys[0], sq, size);
    expect(polygonArea(mapped)).toBeCloseTo(polygonArea(polys[0]) * (size / sq[2]) ** 2, 1);
  });
});
