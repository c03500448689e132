// Expression dynamics on the real FaceLandmarker mesh of astronaut.png: a picture moved by a hand
// keeps its shape; blinks and a talking mouth change it.
import { describe, expect, it } from 'vitest';
import { createExpressionAnalyzer, EXPRESSION_MIN_FRAMES, fitAffine } from '../../../workers/face/expression.ts';
import { loadAstronaut, moveRigid, type LandmarkFixture } from './fixture.ts';

const face = loadAstronaut();
/** The same mesh printed on paper: every point in one plane. */
const photo: LandmarkFixture = { ...face, landmarks: face.landmarks.map((v, i) => (i % 3 === 2 ? 0 : v)) };

let seed = 11;
const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5);

/** Normalised landmarks of `f` in pose `k` of a hand-held sway, with about 0.3 px of landmark jitter. */
function frameAt(f: LandmarkFixture, k: number, edit?: (px: Float32Array) => void): Float32Array {
  const px = moveRigid(f, { yaw: 8 * Math.sin(k / 7), pitch: 5 * Math.sin(k / 9), roll: 3 * Math.sin(k / 5), scale: 1 + 0.05 * Math.sin(k / 11), dx: 10 * Math.sin(k / 6), dy: 6 * Math.sin(k / 8) })
    .map((v, i) => v * (i % 3 === 1 ? f.height : f.width)); // pixels
  edit?.(px);
  const out = new Float32Array(px.length);
  for (let i = 0; i < px.length; i += 3) {
    out[i] = (px[i] + 0.6 * noise()) / f.width;
    out[i + 1] = (px[i + 1] + 0.6 * noise()) / f.height;
    out[i + 2] = px[i + 2] / f.width;
  }
  return out;
}

const lerpTo = (px: Float32Array, i: number, j: number, t: number) => {
  px[3 * i] += (px[3 * j] - px[3 * i]) * t;
  px[3 * i + 1] += (px[3 * j + 1] - px[3 * i + 1]) * t;
};
/** Eyelids closed onto the lower lids (a blink). */
const blink = (px: Float32Array) => {
  for (const [up, low] of [[160, 144], [158, 153], [387, 373], [385, 380]]) lerpTo(px, up, low, 0.9);
};
/** The lower lip dropped by a fifth of the mouth width (talking). */
const openMouth = (px: Float32Array) => {
  const w = Math.hypot(px[3 * 61] - px[3 * 291], px[3 * 61 + 1] - px[3 * 291 + 1]);
  for (const i of [14, 17]) px[3 * i + 1] += 0.2 * w;
};

function run(f: LandmarkFixture, frames: number, edit?: (k: number) => ((px: Float32Array) => void) | undefined) {
  const a = createExpressionAnalyzer();
  for (let k = 0; k < frames; k++) a.add(frameAt(f, k, edit?.(k)), f.width, f.height);
  return a.summary();
}

describe('expression dynamics', () => {
  it('a flat picture swayed, tilted and scaled by a hand stays under one (no change of shape)', () => {
    const s = run(photo, 90);
    expect(s.activity).not.toBeNull();
    expect(s.activity!).toBeLessThan(1);
  });
  it('a picture tilted far back and forth (foreshortened eyes and mouth) still keeps its shape', () => {
    const a = createExpressionAnalyzer();
    for (let k = 0; k < 90; k++) {
      const px = moveRigid(photo, { pitch: 40 * Math.sin(k / 6), yaw: 25 * Math.sin(k / 9) }).map((v, i) => v * (i % 3 === 1 ? photo.height : photo.width));
      const lm = new Float32Array(px.length);
      for (let i = 0; i < px.length; i += 3) { lm[i] = px[i] / photo.width; lm[i + 1] = px[i + 1] / photo.height; }
      a.add(lm, photo.width, photo.height);
    }
    const s = a.summary();
    expect(s.eye_range!).toBeLessThan(0.05);
    expect(s.activity!).toBeLessThan(1);
  });
  it('a blink makes the same sway read as a face that changes shape', () => {
    const s = run(photo, 90, (k) => (k >= 40 && k < 46 ? blink : undefined));
    expect(s.eye_range!).toBeGreaterThan(0.4);
    expect(s.activity!).toBeGreaterThan(1);
  });
  it('a talking mouth does too', () => {
    const s = run(photo, 90, (k) => (k % 10 < 4 ? openMouth : undefined));
    expect(s.mouth_range!).toBeGreaterThan(0.1);
    expect(s.activity!).toBeGreaterThan(1);
  });
  it('says nothing with too few landmark frames', () => {
    expect(run(photo, EXPRESSION_MIN_FRAMES - 1).activity).toBeNull();
  });
});

describe('fitAffine', () => {
  it('recovers an affine map exactly and refuses collinear points', () => {
    const src = [0, 0, 10, 0, 0, 10, 10, 10, 5, 3];
    const map = (x: number, y: number) => [1.2 * x - 0.3 * y + 4, 0.2 * x + 0.9 * y - 2];
    const dst = src.flatMap((_, k) => (k % 2 ? [] : map(src[k], src[k + 1])));
    const t = fitAffine(src, dst)!;
    [1.2, -0.3, 4, 0.2, 0.9, -2].forEach((v, i) => expect(t[i]).toBeCloseTo(v, 6));
    expect(fitAffine([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2])).toBeNull();
  });
});
