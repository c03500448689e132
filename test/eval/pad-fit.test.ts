// The calibration's fitting and error-rate arithmetic (test/eval/lib/pad-fit.ts), and the
// repeat classification it relies on being stable: a fit that finds the separating feature,
// leave-one-subject-out folds that never see the held-out person, DET points and the EER.
import { describe, expect, it } from 'vitest';
import { crossValidate, detCurve, equalErrorRate, fitLogistic, predict, sampleWeights, type Sample } from './lib/pad-fit.ts';
import { reframeWindow, type CameraMedia } from './lib/pad-media.ts';

function samples(): Sample[] {
  const out: Sample[] = [];
  // Feature 0 separates the classes, feature 1 is noise.
  for (let i = 0; i < 12; i++) {
    out.push({ x: [1 + (i % 3) * 0.3, ((i * 7) % 5) / 5 - 0.5], y: 1, subject: `s${i % 6}`, item: `b${i}` });
    out.push({ x: [-1 - (i % 4) * 0.2, ((i * 3) % 5) / 5 - 0.5], y: 0, subject: `s${i % 6}`, item: `a${i}` });
  }
  return out;
}

describe('fitLogistic', () => {
  it('puts the weight on the separating feature and never a negative weight', () => {
    const model = fitLogistic(samples());
    expect(model.weights[0]).toBeGreaterThan(1);
    expect(model.weights[1]).toBeGreaterThanOrEqual(0);
    expect(model.weights[1]).toBeLessThan(model.weights[0] / 3);
    for (const s of samples()) expect(predict(model, s.x) >= 0.5).toBe(s.y === 1);
  });

  it('keeps a feature that points the wrong way at weight 0 (more evidence of life never lowers the score)', () => {
    const flipped = samples().map((s) => ({ ...s, x: [-s.x[0], s.x[1]] }));
    expect(fitLogistic(flipped).weights[0]).toBe(0);
  });

  it('balances the classes and the attack types, and counts an item once whatever its recordings', () => {
    const s: Sample[] = [
      { x: [1], y: 1, subject: 'a', item: 'i1' },
      { x: [1], y: 1, subject: 'a', item: 'i1' },
      { x: [1], y: 1, subject: 'b', item: 'i2' },
      { x: [0], y: 0, subject: 'c', item: 'i3', type: 'print' },
      { x: [0], y: 0, subject: 'd', item: 'i4', type: 'replay' },
      { x: [0], y: 0, subject: 'e', item: 'i5', type: 'replay' },
    ];
    const w = sampleWeights(s);
    expect(w[0]).toBeCloseTo(w[1]);
    expect(w[0] + w[1]).toBeCloseTo(w[2]);
    expect(w[0] + w[1] + w[2]).toBeCloseTo(w[3] + w[4] + w[5]);
    expect(w[3]).toBeCloseTo(w[4] + w[5]);
  });
});

describe('crossValidate', () => {
  it('scores each subject with a model fitted without that subject', () => {
    const s = samples();
    // A subject whose recordings contradict everyone else's: held out, it is scored by the
    // others' model (wrong side); fitted on everything it would pull the model.
    s.push({ x: [-2, 0], y: 1, subject: 'odd', item: 'odd1' });
    const cv = crossValidate(s);
    expect(cv.at(-1)).toBeLessThan(0.5);
    expect(cv.every((p) => p >= 0 && p <= 1)).toBe(true);
  });
});

describe('detCurve / equalErrorRate', () => {
  it('counts refusals below the threshold and presentations with no score as refused', () => {
    const points = detCurve([0.9, 0.8, 0.3, -Infinity], [0.1, 0.2, 0.85]);
    const at05 = points.find((p) => p.threshold === 0.8)!;
    expect(at05.bpcer).toBe(0.5);
    expect(at05.apcer).toBeCloseTo(1 / 3);
    expect(points[0]).toMatchObject({ bpcer: 0.25, apcer: 1 });
    expect(equalErrorRate(points).eer).toBeGreaterThan(0.2);
    expect(equalErrorRate(detCurve([0.9, 0.8], [0.1, 0.2])).eer).toBe(0);
  });
});

describe('reframeWindow', () => {
  // A 1280 x 720 upper-body clip filling a 640 x 480 webcam frame (letterboxed by the blur fill).
  const media: CameraMedia = { path: '', placed: { x: 0, y: 60, w: 640, h: 360 }, frame: { width: 640, height: 480 }, window: { x: 0, y: 0, w: 1, h: 1 }, source: { width: 1280, height: 720 } };
  it('moves closer to a small face: a 4:3 window around it, the face at about 42 % of its height', () => {
    // Face 10 % of the frame height, centred at (0.6, 0.35) of the frame.
    const w = reframeWindow(media, [0.56, 0.3, 0.08, 0.1])!;
    const faceSrcH = (0.1 * 480) / 360; // share of the source height
    expect((w.w * 1280) / (w.h * 720)).toBeCloseTo(4 / 3, 2);
    expect(faceSrcH / w.h).toBeCloseTo(0.42, 1);
    expect(w.x + w.w / 2).toBeCloseTo(0.6, 1);
    expect(w.x).toBeGreaterThanOrEqual(0);
    expect(w.y + w.h).toBeLessThanOrEqual(1 + 1e-9);
  });
  it('moves at most 3x closer and never outside the source', () => {
    const w = reframeWindow(media, [0.9, 0.8, 0.02, 0.02])!;
    expect(w.h).toBeGreaterThanOrEqual(1 / 3 - 1e-9);
    expect(w.x + w.w).toBeLessThanOrEqual(1 + 1e-9);
    expect(w.y + w.h).toBeLessThanOrEqual(1 + 1e-9);
    expect(reframeWindow(media, [0.2, 0.1, 0.1, 0.05])).not.toBeNull();
    expect(reframeWindow(media, [0.2, 0.01, 0.1, 0.02])).toBeNull(); // entirely in the fill above the picture
  });
});
