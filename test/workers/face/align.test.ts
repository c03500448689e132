import { describe, expect, it } from 'vitest';
import {
  alignFace, alignmentResidual, applySimilarity, ARCFACE_TEMPLATE_112, estimateSimilarity, fivePoints, similarityScale, warpSimilarity,
} from '../../../workers/face/align.ts';
import { dequantizeLandmarkSubset, quantizeLandmarkSubset } from '../../../workers/face/landmark-subset.ts';
import { loadAstronaut } from './fixture.ts';

const f = loadAstronaut();

describe('estimateSimilarity', () => {
  it('recovers a known rotation, scale and translation exactly', () => {
    const angle = 0.3, scale = 1.7;
    const truth = { a: scale * Math.cos(angle), b: scale * Math.sin(angle), tx: 12.5, ty: -4 };
    const src = ARCFACE_TEMPLATE_112.map((p) => [p[0], p[1]]);
    const dst = src.map((p) => applySimilarity(truth, p));
    const m = estimateSimilarity(src, dst);
    expect(m.a).toBeCloseTo(truth.a, 9);
    expect(m.b).toBeCloseTo(truth.b, 9);
    expect(m.tx).toBeCloseTo(truth.tx, 9);
    expect(m.ty).toBeCloseTo(truth.ty, 9);
    expect(alignmentResidual(m, src, dst)).toBeLessThan(1e-9);
  });

  it('is the least-squares fit under noise (no other similarity fits better)', () => {
    const src = ARCFACE_TEMPLATE_112.map((p) => [p[0] * 2 + 30, p[1] * 2 + 10]);
    const dst = ARCFACE_TEMPLATE_112.map((p, i) => [p[0] + (i % 2 ? 1.5 : -1), p[1] + (i % 3 ? -0.8 : 1.2)]);
    const m = estimateSimilarity(src, dst);
    const best = alignmentResidual(m, src, dst);
    for (const d of [[1e-3, 0, 0, 0], [0, 1e-3, 0, 0], [0, 0, 0.05, 0], [0, 0, 0, 0.05]]) {
      for (const sign of [1, -1]) {
        const other = { a: m.a + sign * d[0], b: m.b + sign * d[1], tx: m.tx + sign * d[2], ty: m.ty + sign * d[3] };
        expect(alignmentResidual(other, src, dst)).toBeGreaterThan(best);
      }
    }
    expect(similarityScale(m)).toBeCloseTo(0.5, 1);
  });

  it('refuses degenerate input', () => {
    expect(() => estimateSimilarity([[1, 1]], [[2, 2]])).toThrow(RangeError);
    expect(() => estimateSimilarity([[1, 1], [1, 1]], [[0, 0], [1, 1]])).toThrow(/coincide/);
  });
});

describe('warpSimilarity', () => {
  it('copies the image under the identity transform and leaves outside pixels black', () => {
    const w = 4, h = 3;
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([i * 10, i * 10 + 1, i * 10 + 2, 255], i * 4);
    const out = warpSimilarity(rgba, w, h, { a: 1, b: 0, tx: 0, ty: 0 }, 5);
    expect(Array.from(out.subarray(0, 3))).toEqual([0, 1, 2]);
    const at = (x: number, y: number) => Array.from(out.subarray(3 * (y * 5 + x), 3 * (y * 5 + x) + 3));
    expect(at(3, 2)).toEqual([110, 111, 112]);
    expect(at(4, 4)).toEqual([0, 0, 0]);
  });

  it('interpolates bilinearly between pixels', () => {
    const rgba = new Uint8Array([0, 0, 0, 255, 100, 200, 50, 255]);
    // Output x = 0 samples source x = 0.5 (inverse of a shift by -0.5).
    const out = warpSimilarity(rgba, 2, 1, { a: 1, b: 0, tx: -0.5, ty: 0 }, 1);
    expect(Array.from(out)).toEqual([50, 100, 25]);
  });
});

describe('fivePoints and alignFace on real FaceLandmarker landmarks', () => {
  it('orders eyes and mouth corners by x and maps a crop region into its pixels', () => {
    const pts = fivePoints(f.landmarks, f.width, f.height)!;
    expect(pts).toHaveLength(5);
    expect(pts[0][0]).toBeLessThan(pts[1][0]);
    expect(pts[3][0]).toBeLessThan(pts[4][0]);
    expect(pts[2][1]).toBeGreaterThan(pts[0][1]); // nose below the eyes
    expect(pts[3][1]).toBeGreaterThan(pts[2][1]); // mouth below the nose
    // The same points seen through a crop of the frame's top-left quarter at 2x.
    const region = [0.1, 0.05, 0.5, 0.5];
    const inCrop = fivePoints(f.landmarks, f.width, f.height, region)!;
    for (let i = 0; i < 5; i++) {
      expect(inCrop[i][0] + 0.5).toBeCloseTo(((pts[i][0] + 0.5) / f.width - 0.1) * 2 * f.width, 3);
      expect(inCrop[i][1] + 0.5).toBeCloseTo(((pts[i][1] + 0.5) / f.height - 0.05) * 2 * f.height, 3);
    }
  });

  it('aligns the wire subset as well as the full mesh (the server has only the subset)', () => {
    const subset = dequantizeLandmarkSubset(quantizeLandmarkSubset(f.landmarks));
    const image = { data: new Uint8Array(f.width * f.height * 4).fill(128), width: f.width, height: f.height };
    const full = alignFace(image, f.landmarks)!;
    const wire = alignFace(image, subset)!;
    expect(wire.transform.a).toBeCloseTo(full.transform.a, 3);
    expect(wire.transform.tx).toBeCloseTo(full.transform.tx, 0);
    // A frontal face fits the template to a few pixels.
    expect(full.residual).toBeLessThan(8); // a frontal (smiling) face fits the template to a few pixels
    expect(full.rgb).toHaveLength(112 * 112 * 3);
  });

  it('returns null when a point is missing', () => {
    const lm = f.landmarks.slice();
    lm[3 * 1] = Number.NaN; // nose tip
    expect(fivePoints(lm, f.width, f.height)).toBeNull();
  });
});
