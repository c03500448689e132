import { describe, expect, it } from 'vitest';
import { computeFaceBox, squareCropBox } from '../../../workers/face/face-box.ts';
import { eyeCentres, interOcularDistance } from '../../../workers/face/inter-ocular.ts';
import { LANDMARK_COUNT } from '../../../workers/face/landmark-indices.ts';
import { createLandmarkBuffer, flattenLandmarks, hasLandmarks } from '../../../workers/face/landmarks.ts';
import { loadAstronaut, moveRigid } from './fixture.ts';

const f = loadAstronaut();

describe('landmark layout', () => {
  it('flattens FaceLandmarker points and marks the rest unknown', () => {
    const lm = flattenLandmarks([{ x: 0.1, y: 0.2, z: -0.01 }, { x: 0.3, y: 0.4 }]);
    expect(lm).toHaveLength(LANDMARK_COUNT * 3);
    expect(Array.from(lm.subarray(0, 3))).toEqual([Math.fround(0.1), Math.fround(0.2), Math.fround(-0.01)]);
    expect(lm[5]).toBeNaN();
    expect(lm[6]).toBeNaN();
    expect(hasLandmarks(lm, [0, 1])).toBe(true);
    expect(hasLandmarks(lm, [0, 2])).toBe(false);
    expect(createLandmarkBuffer().every(Number.isNaN)).toBe(true);
  });
});

describe('face box and inter-ocular distance', () => {
  it('bound every mesh point of the real face', () => {
    const box = new Float32Array(4);
    expect(computeFaceBox(f.landmarks, box)).toBe(true);
    for (let i = 0; i < 468; i++) {
      expect(f.landmarks[3 * i]).toBeGreaterThanOrEqual(box[0] - 1e-6);
      expect(f.landmarks[3 * i]).toBeLessThanOrEqual(box[0] + box[2] + 1e-6);
      expect(f.landmarks[3 * i + 1]).toBeLessThanOrEqual(box[1] + box[3] + 1e-6);
    }
    expect(computeFaceBox(createLandmarkBuffer(), box)).toBe(false);
  });

  it('square crop box: larger side in pixels, centred on the face box', () => {
    const sq = squareCropBox([0.25, 0.1, 0.5, 0.5], 640, 480);
    expect(sq[2]).toBeCloseTo(320); // 0.5 * 640 > 0.5 * 480
    expect(sq[0]).toBeCloseTo(160);
    expect(sq[1] + sq[2] / 2).toBeCloseTo(0.35 * 480);
    expect(squareCropBox([0.25, 0.1, 0.5, 0.5], 640, 480, 2)[2]).toBeCloseTo(640);
  });

  it('inter-ocular distance scales with the face and ignores in-plane rotation', () => {
    const d = interOcularDistance(f.landmarks, f.width, f.height);
    const c = eyeCentres(f.landmarks, f.width, f.height);
    expect(c[0]).toBeLessThan(c[2]); // subject's right eye on the image's left
    expect(d).toBeGreaterThan(20);
    expect(interOcularDistance(moveRigid(f, { scale: 2, roll: 40 }), f.width, f.height)).toBeCloseTo(2 * d, 3);
  });
});
