// Evidence consistency (server/analysis/consistency.ts): each measure on evidence a camera
// produces and on evidence made up through the capture API.
import { describe, expect, it } from 'vitest';
import { CONSISTENCY, createConsistencyAccumulator, cropSmoothness } from '../../../server/analysis/consistency.ts';
import { createLandmarkBuffer } from '../../../workers/face/landmarks.ts';

const SIZE = 64;

function image(pixel: (x: number, y: number) => number): Uint8Array {
  const rgba = new Uint8Array(SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const v = Math.max(0, Math.min(255, pixel(x, y)));
      rgba.set([v, v * 0.8, v * 0.7, 255], 4 * (y * SIZE + x));
    }
  }
  return rgba;
}

let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const noise = () => image(() => 128 + 80 * (random() - 0.5));
/** Smooth shading with two dark, textured eyes at (20, 24) and (44, 24). */
const face = () =>
  image((x, y) => {
    const eye = [20, 44].some((ex) => Math.hypot(x - ex, y - 24) < 4);
    return eye ? 40 + 30 * ((x + y) % 2) : 150 + 30 * Math.sin(x / 20) + 20 * Math.cos(y / 25);
  });

/** Landmarks (normalised over a 64 x 64 frame whose face box is the whole frame) for `face()`. */
function landmarks(): Float32Array {
  const lm = createLandmarkBuffer();
  const put = (i: number, x: number, y: number) => ((lm[3 * i] = x / SIZE), (lm[3 * i + 1] = y / SIZE));
  put(468, 20, 24);
  put(473, 44, 24);
  put(205, 18, 44);
  put(425, 46, 44);
  return lm;
}
const BOX = [0, 0, 1, 1];
const FRAME = { width: SIZE, height: SIZE };

describe('cropSmoothness', () => {
  it('is high for a shaded image and near zero for noise', () => {
    expect(cropSmoothness(face(), SIZE).smoothness).toBeGreaterThan(0.8);
    expect(Math.abs(cropSmoothness(noise(), SIZE).smoothness)).toBeLessThan(0.2);
  });
});

describe('consistency accumulator', () => {
  it('passes crops, landmarks and ROI numbers that hold together', () => {
    const acc = createConsistencyAccumulator();
    for (let i = 0; i < 20; i++) {
      const crop = face();
      acc.addCrop(crop, SIZE);
      acc.addEyes(crop, SIZE, landmarks(), BOX, FRAME);
      acc.addLandmarks(new Uint16Array([1000 + i, 2000 - i, 3000]));
    }
    const r = acc.result(1.2);
    expect(r.reasons).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.metrics.eye_to_cheek_contrast!).toBeGreaterThan(CONSISTENCY.min_eye_to_cheek_contrast);
  });

  it('refuses noise crops, frozen landmarks and ROI numbers that describe other pixels', () => {
    const acc = createConsistencyAccumulator();
    const frozen = new Uint16Array([1000, 2000, 3000]);
    for (let i = 0; i < 20; i++) {
      const crop = noise();
      acc.addCrop(crop, SIZE);
      acc.addEyes(crop, SIZE, landmarks(), BOX, FRAME);
      acc.addLandmarks(frozen.slice());
    }
    const r = acc.result(CONSISTENCY.max_roi_level_gap + 10);
    expect(r.passed).toBe(false);
    expect(r.reasons).toEqual(['synthetic_crops', 'static_landmarks', 'roi_means_do_not_match_crops']);
  });

  it('refuses a real-looking crop whose landmarks put the eyes on the cheeks', () => {
    const acc = createConsistencyAccumulator();
    const shifted = landmarks();
    shifted[3 * 468 + 1] = shifted[3 * 473 + 1] = 44 / SIZE; // eyes where the cheeks are
    shifted[3 * 205 + 1] = shifted[3 * 425 + 1] = 24 / SIZE;
    shifted[3 * 205] = 20 / SIZE;
    shifted[3 * 425] = 44 / SIZE;
    for (let i = 0; i < 20; i++) acc.addEyes(face(), SIZE, shifted, BOX, FRAME);
    expect(acc.result(null).reasons).toEqual(['crops_do_not_match_landmarks']);
  });

  it('judges nothing on too few samples', () => {
    const acc = createConsistencyAccumulator();
    for (let i = 0; i < CONSISTENCY.min_samples - 1; i++) acc.addCrop(noise(), SIZE);
    expect(acc.result(null).passed).toBe(true);
  });
});
