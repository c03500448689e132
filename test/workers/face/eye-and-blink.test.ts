import { describe, expect, it } from 'vitest';
import { createBlinkDetector, eyeClosure } from '../../../workers/face/blink-detector.ts';
import {
  eyeAspectRatio, eyeClosureFromEar, leftEyeAspectRatio, rightEyeAspectRatio,
} from '../../../workers/face/eye-aspect-ratio.ts';
import { LEFT_EYE_EAR, RIGHT_EYE_EAR } from '../../../workers/face/landmark-indices.ts';
import { loadAstronaut, moveRigid } from './fixture.ts';

const f = loadAstronaut();

/** Moves the upper-lid points towards their lower-lid partners by `amount` (1 = shut). */
function closeEyes(lm: Float32Array, amount: number): Float32Array {
  const out = lm.slice();
  for (const [, up1, up2, , low2, low1] of [RIGHT_EYE_EAR, LEFT_EYE_EAR]) {
    for (const [u, l] of [[up1, low1], [up2, low2]]) {
      out[3 * u] = lm[3 * u] + amount * (lm[3 * l] - lm[3 * u]);
      out[3 * u + 1] = lm[3 * u + 1] + amount * (lm[3 * l + 1] - lm[3 * u + 1]);
    }
  }
  return out;
}

describe('eye aspect ratio', () => {
  it('is that of open eyes on the real portrait, similar for both eyes', () => {
    const r = rightEyeAspectRatio(f.landmarks, f.width, f.height);
    const l = leftEyeAspectRatio(f.landmarks, f.width, f.height);
    expect(r).toBeGreaterThan(0.2);
    expect(r).toBeLessThan(0.45);
    expect(Math.abs(r - l)).toBeLessThan(0.08);
    // The portrait's blendshapes also say open.
    expect(eyeClosure(f.blendshapes, Number.NaN)).toBeLessThan(0.2);
  });

  it('falls as the lids close, and does not depend on scale or roll', () => {
    const open = eyeAspectRatio(f.landmarks, f.width, f.height);
    const half = eyeAspectRatio(closeEyes(f.landmarks, 0.5), f.width, f.height);
    const shut = eyeAspectRatio(closeEyes(f.landmarks, 0.95), f.width, f.height);
    expect(half).toBeLessThan(open * 0.6);
    expect(shut).toBeLessThan(0.05);
    expect(eyeClosureFromEar(open)).toBeLessThan(0.3);
    expect(eyeClosureFromEar(shut)).toBe(1);
    const moved = moveRigid(f, { roll: 30, scale: 1.7 });
    expect(eyeAspectRatio(moved, f.width, f.height)).toBeCloseTo(open, 2);
  });
});

describe('blink detector', () => {
  function run(closures: number[], dt = 33.3) {
    const d = createBlinkDetector();
    const events = closures.map((c, i) => d.update(i * dt, c)).filter((e) => e !== null);
    return { d, events };
  }

  it('counts blinks of blink length once each, through noise', () => {
    const seq = [0.05, 0.1, 0.05, 0.7, 0.9, 0.8, 0.2, 0.05, 0.1, 0.45, 0.35, 0.1, 0.05, 0.6, 0.95, 0.55, 0.1, 0.05];
    const { d, events } = run(seq);
    expect(events).toHaveLength(2);
    expect(d.count).toBe(2);
    expect(events[0].peak).toBeCloseTo(0.9);
    expect(events[0].endMs - events[0].startMs).toBeCloseTo(3 * 33.3);
  });

  it('ignores eyes kept shut and one-sample glitches at a high frame rate', () => {
    const shut = [0.1, ...Array(40).fill(0.9), 0.1];
    expect(run(shut).events).toHaveLength(0);
    expect(run([0.1, 0.9, 0.1], 10).events).toHaveLength(0);
  });

  it('uses blendshapes when present, else EAR', () => {
    expect(eyeClosure([{ categoryName: 'eyeBlinkLeft', score: 0.8 }, { categoryName: 'eyeBlinkRight', score: 0.6 }], 0.3)).toBeCloseTo(0.7);
    expect(eyeClosure(null, 0.05)).toBe(1);
    expect(eyeClosure({ eyeBlinkLeft: 0.1 }, 0.05)).toBe(1); // incomplete blendshapes: EAR
  });

  it('resets', () => {
    const { d } = run([0.1, 0.9, 0.9, 0.1]);
    expect(d.count).toBe(1);
    d.reset();
    expect(d.count).toBe(0);
    expect(d.eyesClosed).toBe(false);
  });
});
