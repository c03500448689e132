import { describe, expect, it } from 'vitest';
import {
  FACE_OVAL, LEFT_EYE_CONTOUR, LEFT_EYEBROW, LIPS, NOSTRILS, RIGHT_EYE_CONTOUR, RIGHT_EYEBROW,
} from '../../../workers/face/landmark-indices.ts';
import {
  computeRoiPolygons, createRoiPolygons, pointInPolygon, polygonArea,
} from '../../../workers/face/roi-polygons.ts';
import { loadAstronaut, moveRigid } from './fixture.ts';

const fixture = loadAstronaut();
const { width: W, height: H } = fixture;
const forbidden = [...LEFT_EYE_CONTOUR, ...RIGHT_EYE_CONTOUR, ...LEFT_EYEBROW, ...RIGHT_EYEBROW, ...LIPS, ...NOSTRILS];

function segmentsCross(a: number[], b: number[], c: number[], d: number[]): boolean {
  const o = (p: number[], q: number[], r: number[]) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return o(a, b, c) * o(a, b, d) < 0 && o(c, d, a) * o(c, d, b) < 0;
}

function isSimple(poly: Float32Array): boolean {
  const n = poly.length / 2;
  const v = (i: number) => [poly[2 * (i % n)], poly[2 * (i % n) + 1]];
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // adjacent through the closing edge
      if (segmentsCross(v(i), v(i + 1), v(j), v(j + 1))) return false;
    }
  }
  return true;
}

describe('ROI polygons on a real FaceLandmarker result', () => {
  const poses = [{}, { yaw: 25 }, { yaw: -25 }, { pitch: 15 }, { pitch: -15 }, { roll: 20 }];

  it.each(poses)('are simple, non-empty and free of eyes, brows, lips and nostrils at %o', (pose) => {
    const lm = moveRigid(fixture, pose);
    const polys = createRoiPolygons();
    expect(computeRoiPolygons(lm, W, H, polys)).toBe(true);
    const iod = Math.hypot((lm[3 * 263] - lm[3 * 33]) * W, (lm[3 * 263 + 1] - lm[3 * 33 + 1]) * H);
    for (const poly of polys) {
      expect(isSimple(poly)).toBe(true);
      expect(polygonArea(poly)).toBeGreaterThan(0.02 * iod * iod);
      for (const i of forbidden) {
        expect(pointInPolygon(poly, lm[3 * i] * W, lm[3 * i + 1] * H), `landmark ${i}`).toBe(false);
      }
    }
  });

  it('lie inside the face oval, forehead above the eyes, cheeks on their own sides', () => {
    const lm = fixture.landmarks;
    const polys = computeRoiPolygonsOf(lm);
    const oval = new Float32Array(FACE_OVAL.flatMap((i) => [lm[3 * i] * W, lm[3 * i + 1] * H]));
    const centre = (p: Float32Array) => {
      let x = 0, y = 0;
      for (let i = 0; i < p.length; i += 2) { x += p[i]; y += p[i + 1]; }
      return [(2 * x) / p.length, (2 * y) / p.length];
    };
    const [fore, left, right] = polys.map(centre);
    for (const c of [fore, left, right]) expect(pointInPolygon(oval, c[0], c[1])).toBe(true);
    const eyeY = ((lm[3 * 33 + 1] + lm[3 * 263 + 1]) / 2) * H;
    expect(fore[1]).toBeLessThan(eyeY);
    expect(left[1]).toBeGreaterThan(eyeY);
    // Subject's left cheek is on the image's right in an unmirrored frame.
    expect(left[0]).toBeGreaterThan(lm[3 * 1] * W);
    expect(right[0]).toBeLessThan(lm[3 * 1] * W);
  });

  it('reports unknown vertices', () => {
    const lm = fixture.landmarks.slice();
    lm[3 * 151] = Number.NaN;
    expect(computeRoiPolygons(lm, W, H)).toBe(false);
  });
});

function computeRoiPolygonsOf(lm: Float32Array) {
  const polys = createRoiPolygons();
  computeRoiPolygons(lm, W, H, polys);
  return polys;
}
