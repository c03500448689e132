import { describe, expect, it } from 'vitest';
import {
  FOREHEAD_POLYGON, LEFT_CHEEK_POLYGON, LEFT_EYE_EAR, POSE_POINTS, RIGHT_CHEEK_POLYGON, RIGHT_EYE_EAR,
} from '../../../workers/face/landmark-indices.ts';
import {
  LANDMARK_SUBSET, LANDMARK_SUBSET_VALUES, dequantizeLandmarkSubset, quantizeLandmarkSubset,
} from '../../../workers/face/landmark-subset.ts';
import { flattenLandmarks } from '../../../workers/face/landmarks.ts';
import { computeRoiPolygons, createRoiPolygons } from '../../../workers/face/roi-polygons.ts';
import { loadAstronaut } from './fixture.ts';

describe('landmark wire subset', () => {
  it('is a fixed list of 60-100 distinct valid indices', () => {
    expect(LANDMARK_SUBSET.length).toBeGreaterThanOrEqual(60);
    expect(LANDMARK_SUBSET.length).toBeLessThanOrEqual(100);
    expect(new Set(LANDMARK_SUBSET).size).toBe(LANDMARK_SUBSET.length);
    expect(LANDMARK_SUBSET.every((i) => Number.isInteger(i) && i >= 0 && i < 478)).toBe(true);
    expect(LANDMARK_SUBSET_VALUES).toBe(2 * LANDMARK_SUBSET.length);
    expect(Object.isFrozen(LANDMARK_SUBSET)).toBe(true);
  });

  it('carries every point the server needs', () => {
    const needed = [...FOREHEAD_POLYGON, ...LEFT_CHEEK_POLYGON, ...RIGHT_CHEEK_POLYGON,
      ...LEFT_EYE_EAR, ...RIGHT_EYE_EAR, ...Object.values(POSE_POINTS)];
    for (const i of needed) expect(LANDMARK_SUBSET).toContain(i);
  });

  it('round-trips within half a quantisation step and gives the same ROIs', () => {
    const f = loadAstronaut();
    const q = quantizeLandmarkSubset(f.landmarks);
    expect(q).toHaveLength(LANDMARK_SUBSET_VALUES);
    const back = dequantizeLandmarkSubset(q);
    for (const i of LANDMARK_SUBSET) {
      expect(Math.abs(back[3 * i] - f.landmarks[3 * i])).toBeLessThanOrEqual(0.5 / 65535 + 1e-7);
      expect(Math.abs(back[3 * i + 1] - f.landmarks[3 * i + 1])).toBeLessThanOrEqual(0.5 / 65535 + 1e-7);
      expect(back[3 * i + 2]).toBeNaN();
    }
    expect(back[3 * 159]).toBeNaN(); // not in the subset
    const a = createRoiPolygons();
    const b = createRoiPolygons();
    computeRoiPolygons(f.landmarks, 1920, 1080, a);
    expect(computeRoiPolygons(back, 1920, 1080, b)).toBe(true);
    for (let r = 0; r < 3; r++) {
      for (let k = 0; k < a[r].length; k++) expect(Math.abs(a[r][k] - b[r][k])).toBeLessThan(0.02);
    }
  });

  it('clamps points outside the frame and rejects a wrong length', () => {
    const lm = flattenLandmarks(Array.from({ length: 478 }, () => ({ x: -0.2, y: 1.4, z: 0 })));
    const q = quantizeLandmarkSubset(lm);
    expect(q[0]).toBe(0);
    expect(q[1]).toBe(65535);
    expect(() => dequantizeLandmarkSubset(new Uint16Array(3))).toThrow(RangeError);
  });
});
