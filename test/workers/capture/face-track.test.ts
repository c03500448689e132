import { describe, expect, it } from 'vitest';
import { createFaceTrack, FACE_STALE_MS, MOTION_SMOOTHING } from '../../../workers/capture/face-track.ts';
import { loadAstronaut, moveRigid } from '../face/fixture.ts';

const fx = loadAstronaut();
/** The fixture's landmarks (normalised) moved by (dx, dy) pixels. */
const landmarksAt = (dx: number, dy: number): Float32Array => moveRigid(fx, { dx, dy });

describe('face track', () => {
  it('keeps the face box and ROI polygons of the latest landmarks', () => {
    const track = createFaceTrack();
    track.apply(landmarksAt(0, 0), 1000, fx.width, fx.height);
    expect(track.hasBox).toBe(true);
    expect(track.polysValid).toBe(true);
    expect(track.box[2]).toBeGreaterThan(0.05);
    expect(track.missingSince).toBe(0);
    expect(track.present(1000 + FACE_STALE_MS - 1)).toBe(true);
    expect(track.present(1000 + FACE_STALE_MS)).toBe(false);
  });

  it('smooths the face-centre speed, in frame widths per second', () => {
    const track = createFaceTrack();
    track.apply(landmarksAt(0, 0), 0, fx.width, fx.height);
    const x0 = track.box[0];
    track.apply(landmarksAt(fx.width * 0.1, 0), 1000, fx.width, fx.height);
    const speed = track.box[0] - x0; // moved this share of the width in one second
    expect(speed).toBeCloseTo(0.1, 2);
    expect(track.motion).toBeCloseTo(speed * (1 - MOTION_SMOOTHING), 6);
  });

  it('forgets the face when landmarks stop, remembering since when', () => {
    const track = createFaceTrack();
    track.apply(landmarksAt(0, 0), 0, fx.width, fx.height);
    track.apply(null, 500, fx.width, fx.height);
    track.apply(null, 900, fx.width, fx.height);
    expect(track.hasBox).toBe(false);
    expect(track.points).toBeNull();
    expect(track.motion).toBe(0);
    expect(track.missingSince).toBe(500);
  });

  it('re-maps the polygons when the frame size changes', () => {
    const track = createFaceTrack();
    track.apply(landmarksAt(0, 0), 0, fx.width, fx.height);
    const before = Array.from(track.polys[0]);
    track.fit(fx.width * 2, fx.height * 2);
    expect(track.width).toBe(fx.width * 2);
    expect(track.polys[0][0]).toBeCloseTo(before[0] * 2, 3);
    expect(track.pointsAt).toBe(0);
  });
});
