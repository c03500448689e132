import { describe, expect, it } from 'vitest';
import { fitHomography, homographyResidual, similarityResidual } from '../../../workers/face/homography.ts';
import { dequantizeLandmarkSubset, quantizeLandmarkSubset } from '../../../workers/face/landmark-subset.ts';
import { createMotionAnalyzer, PLANARITY_POINTS } from '../../../workers/face/motion-analysis.ts';
import { mulberry32 } from '../codec/chunk-fixture.ts';
import { loadAstronaut, type LandmarkFixture } from './fixture.ts';

const f = loadAstronaut();
const W = 640, H = 480;

/**
 * Pinhole view of the fixture's points (pixels, z in pixels, depth exaggerated by `depth`) after
 * a rigid rotation about the face centre, at distance `distance` with focal length 700 px.
 * depth = 0 flattens the face: a photo of it.
 */
function view(src: LandmarkFixture, pose: { yaw?: number; pitch?: number; roll?: number; dx?: number }, depth: number, noisePx: number, random: () => number): Float32Array {
  const { landmarks: lm, width: w, height: h } = src;
  const n = lm.length / 3;
  let cx = 0, cy = 0, cz = 0;
  for (let i = 0; i < n; i++) { cx += lm[3 * i] * w; cy += lm[3 * i + 1] * h; cz += lm[3 * i + 2] * w; }
  cx /= n; cy /= n; cz /= n;
  const r = Math.PI / 180, a = (pose.yaw ?? 0) * r, b = (pose.pitch ?? 0) * r, c = (pose.roll ?? 0) * r;
  const focal = 700, distance = 700, scale = 2.2;
  const out = new Float32Array(lm.length);
  for (let i = 0; i < n; i++) {
    let x = (lm[3 * i] * w - cx) * scale, y = (lm[3 * i + 1] * h - cy) * scale, z = (lm[3 * i + 2] * w - cz) * scale * depth;
    [x, z] = [x * Math.cos(a) - z * Math.sin(a), x * Math.sin(a) + z * Math.cos(a)];
    [y, z] = [y * Math.cos(b) + z * Math.sin(b), -y * Math.sin(b) + z * Math.cos(b)];
    [x, y] = [x * Math.cos(c) - y * Math.sin(c), x * Math.sin(c) + y * Math.cos(c)];
    const Z = distance + z;
    out[3 * i] = (W / 2 + (pose.dx ?? 0) + (focal * x) / Z + noisePx * (random() - 0.5) * 2) / W;
    out[3 * i + 1] = (H / 2 + (focal * y) / Z + noisePx * (random() - 0.5) * 2) / H;
    out[3 * i + 2] = Z / W;
  }
  return out;
}

function capture(depth: number, amplitudeDeg: number, options: { noisePx?: number; seed?: number; wire?: boolean; inPlane?: boolean } = {}) {
  const random = mulberry32(options.seed ?? 1);
  const analyzer = createMotionAnalyzer();
  for (let k = 0; k < 180; k++) {
    const t = k * 33.4;
    let lm = view(f, {
      yaw: amplitudeDeg * Math.sin(t / 700), pitch: 0.6 * amplitudeDeg * Math.sin(t / 1100 + 1),
      // In-plane roll and drift on top: no model should read them as parallax.
      roll: options.inPlane === false ? 0 : 4 * Math.sin(t / 900),
      dx: options.inPlane === false ? 0 : 30 * Math.sin(t / 1500),
    }, depth, options.noisePx ?? 0.6, random);
    if (options.wire) lm = dequantizeLandmarkSubset(quantizeLandmarkSubset(lm));
    analyzer.addLandmarks(t, lm, W, H);
  }
  return analyzer.summary();
}

describe('homography fit', () => {
  it('recovers a known perspective warp exactly and leaves a 3D rotation unexplained', () => {
    const random = mulberry32(3);
    const flat0 = view(f, {}, 0, 0, random), flat1 = view(f, { yaw: 25, pitch: -15, roll: 10 }, 0, 0, random);
    const real0 = view(f, {}, 1, 0, random), real1 = view(f, { yaw: 25, pitch: -15, roll: 10 }, 1, 0, random);
    const xy = (lm: Float32Array) => Float64Array.from(PLANARITY_POINTS.flatMap((i) => [lm[3 * i] * W, lm[3 * i + 1] * H]));
    const h = new Float64Array(9);
    expect(fitHomography(xy(flat0), xy(flat1), h)).toBe(true);
    expect(homographyResidual(h, xy(flat0), xy(flat1))).toBeLessThan(1e-3);
    expect(similarityResidual(xy(flat0), xy(flat1))).toBeGreaterThan(2);
    expect(fitHomography(xy(real0), xy(real1), h)).toBe(true);
    expect(homographyResidual(h, xy(real0), xy(real1))).toBeGreaterThan(2);
  });

  it('refuses fewer than four pairs and skips unknown points', () => {
    const h = new Float64Array(9);
    expect(fitHomography(Float64Array.from([0, 0, 1, 0, 0, 1]), Float64Array.from([0, 0, 1, 0, 0, 1]), h)).toBe(false);
    const src = Float64Array.from([0, 0, 10, 0, 10, 10, 0, 10, 5, 5, Number.NaN, 3]);
    const dst = Float64Array.from([1, 2, 11, 2, 11, 12, 1, 12, 6, 7, 4, 4]);
    expect(fitHomography(src, dst, h)).toBe(true);
    expect(homographyResidual(h, src, dst)).toBeLessThan(1e-6);
  });
});

describe('motion and planarity over a capture', () => {
  it('flags a photo tilted and turned by hand as planar', () => {
    const s = capture(0, 25);
    expect(s.planarity_evidence).toBe('planar');
    expect(s.planar).toBe(true);
    expect(s.informative_pairs).toBeGreaterThanOrEqual(3);
    expect(s.planarity_residual!).toBeLessThan(0.02);
  });

  it('flags a real head turning as non-planar', () => {
    const s = capture(1, 20);
    expect(s.planarity_evidence).toBe('non_planar');
    expect(s.planar).toBe(false);
    expect(s.planarity_ratio!).toBeGreaterThan(0.5);
  });

  it('sees parallax in small head movements too', () => {
    const s = capture(1, 8, { seed: 5 });
    expect(s.planarity_evidence).toBe('non_planar');
  });

  it('works the same on the quantised wire subset', () => {
    expect(capture(0, 25, { wire: true }).planarity_evidence).toBe('planar');
    expect(capture(1, 20, { wire: true }).planarity_evidence).toBe('non_planar');
  });

  it('says insufficient motion for a still head or a still photo, with motion energy to tell', () => {
    const stillReal = capture(1, 0, { seed: 2, inPlane: false });
    const stillPhoto = capture(0, 0, { seed: 2, inPlane: false });
    const moving = capture(1, 20);
    for (const s of [stillReal, stillPhoto]) {
      expect(s.planarity_evidence).toBe('insufficient_motion');
      expect(s.planar).toBe(false);
      expect(s.planarity_residual).toBeNull();
    }
    expect(moving.motion_energy).toBeGreaterThan(5 * stillReal.motion_energy);
    expect(moving.shape_change).toBeGreaterThan(1.3 * stillReal.shape_change);
    expect(stillReal.landmark_noise).toBeGreaterThan(0);
  });

  it('counts blinks and ignores duplicate or out-of-order frames', () => {
    const a = createMotionAnalyzer();
    const closures = [0, 0, 0.9, 0.9, 0, 0, 0, 0.8, 0.1, 0];
    closures.forEach((c, i) => a.addEyeClosure(i * 50, c));
    a.addLandmarks(100, f.landmarks, f.width, f.height);
    a.addLandmarks(100, f.landmarks, f.width, f.height);
    a.addLandmarks(50, f.landmarks, f.width, f.height);
    const s = a.summary();
    expect(s.blinks).toBe(2);
    expect(s.landmark_frames).toBe(1);
    a.reset();
    expect(a.summary().blinks).toBe(0);
  });
});
