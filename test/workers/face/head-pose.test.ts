import { describe, expect, it } from 'vitest';
import { headPoseFromLandmarks, headPoseFromMatrix } from '../../../workers/face/head-pose.ts';
import { dequantizeLandmarkSubset, quantizeLandmarkSubset } from '../../../workers/face/landmark-subset.ts';
import { loadAstronaut, moveRigid } from './fixture.ts';

const f = loadAstronaut();
const R = Math.PI / 180;

/** The pose after applying moveRigid's rotation to a face whose pose was `p`. */
function expectedAfter(p: { yaw: number; pitch: number; roll: number }, turn: { yaw?: number; pitch?: number; roll?: number }) {
  let x = Math.sin(p.yaw * R) * Math.cos(p.pitch * R);
  let y = -Math.sin(p.pitch * R);
  let z = -Math.cos(p.yaw * R) * Math.cos(p.pitch * R);
  const a = (turn.yaw ?? 0) * R, b = (turn.pitch ?? 0) * R, c = (turn.roll ?? 0) * R;
  [x, z] = [x * Math.cos(a) - z * Math.sin(a), x * Math.sin(a) + z * Math.cos(a)];
  [y, z] = [y * Math.cos(b) + z * Math.sin(b), -y * Math.sin(b) + z * Math.cos(b)];
  [x, y] = [x * Math.cos(c) - y * Math.sin(c), x * Math.sin(c) + y * Math.cos(c)];
  return {
    yaw: Math.atan2(x, -z) / R,
    pitch: Math.atan2(-y, Math.hypot(x, z)) / R,
    roll: p.roll + (turn.roll ?? 0),
  };
}

describe('head pose', () => {
  it('from 3D landmarks agrees with FaceLandmarker\'s own transformation matrix', () => {
    const a = headPoseFromLandmarks(f.landmarks, f.width, f.height);
    const m = headPoseFromMatrix(f.matrix);
    expect(a.source).toBe('landmarks3d');
    expect(m.source).toBe('matrix');
    expect(Math.abs(a.yaw - m.yaw)).toBeLessThan(5);
    expect(Math.abs(a.pitch - m.pitch)).toBeLessThan(5);
    expect(Math.abs(a.roll - m.roll)).toBeLessThan(3);
    // The portrait is nearly frontal, tilted slightly down.
    expect(Math.abs(m.yaw)).toBeLessThan(10);
    expect(m.pitch).toBeLessThan(0);
  });

  const base = headPoseFromLandmarks(f.landmarks, f.width, f.height);
  const cases = [{ yaw: 30 }, { yaw: -30 }, { pitch: 20 }, { pitch: -15 }, { roll: 25 }, { yaw: 20, roll: -10 }];

  it.each(cases)('follows a rigid 3D rotation %o', (turn) => {
    const p = headPoseFromLandmarks(moveRigid(f, turn), f.width, f.height);
    const e = expectedAfter(base, turn);
    expect(Math.abs(p.yaw - e.yaw)).toBeLessThan(3);
    expect(Math.abs(p.pitch - e.pitch)).toBeLessThan(3);
    expect(Math.abs(p.roll - e.roll)).toBeLessThan(4);
  });

  const base2d = headPoseFromLandmarks(dequantizeLandmarkSubset(quantizeLandmarkSubset(f.landmarks)), f.width, f.height);

  it.each(cases)('from the 2D wire subset follows the same rotation %o within the model error', (turn) => {
    const q = dequantizeLandmarkSubset(quantizeLandmarkSubset(moveRigid(f, turn)));
    const p = headPoseFromLandmarks(q, f.width, f.height);
    const e = expectedAfter(base2d, turn);
    expect(p.source).toBe('landmarks2d');
    expect(Math.abs(p.yaw - e.yaw)).toBeLessThan(8);
    expect(Math.abs(p.pitch - e.pitch)).toBeLessThan(10);
    expect(Math.abs(p.roll - e.roll)).toBeLessThan(4);
  });
});
