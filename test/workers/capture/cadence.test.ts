import { describe, expect, it } from 'vitest';
import { CADENCE_BACKOFF, CADENCE_CREEP, createCadence, MIN_LANDMARK_HZ } from '../../../workers/capture/cadence.ts';

/** Feeds frames at `fps` from `from` ms for `ms`, skipping the frame indices in `skip`. */
function feed(c: ReturnType<typeof createCadence>, fps: number, from: number, ms: number, skip = new Set<number>()): number {
  let missed = 0;
  const n = Math.round((ms * fps) / 1000);
  for (let i = 0; i < n; i++) {
    if (skip.has(i)) continue;
    const t = from + (i * 1000) / fps;
    missed += c.frame(t, t);
  }
  return missed;
}

describe('cadence', () => {
  it('counts the frames missed in a gap', () => {
    const c = createCadence(30, 10);
    expect(feed(c, 30, 0, 1000, new Set([10, 11, 12]))).toBe(3);
    expect(c.dropped).toBe(3);
  });

  it('measures the frame rate over the trailing window', () => {
    const c = createCadence(30, 10);
    expect(c.fps()).toBe(0);
    feed(c, 30, 0, 3000);
    expect(c.fps()).toBeCloseTo(30, 6);
  });

  it('backs off after a second with drops, never below the floor, and creeps up after calm seconds', () => {
    const c = createCadence(30, 10);
    feed(c, 30, 0, 1000);
    feed(c, 30, 1000, 1100, new Set([5]));
    expect(c.targetHz).toBeCloseTo(10 * CADENCE_BACKOFF, 9);
    const before = c.targetHz;
    feed(c, 30, 2100, 3300);
    expect(c.targetHz).toBeCloseTo(before * CADENCE_CREEP, 9);
    const slow = createCadence(30, 2);
    feed(slow, 30, 0, 1000);
    feed(slow, 30, 1000, 1100, new Set([5]));
    expect(slow.targetHz).toBe(MIN_LANDMARK_HZ);
  });

  it('never creeps above the camera rate', () => {
    const c = createCadence(15, 15);
    feed(c, 15, 0, 10_000);
    expect(c.targetHz).toBe(15);
  });

  it('hands the landmark worker one frame at a time, at most at the target rate', () => {
    const c = createCadence(30, 10);
    expect(c.claimLandmarks(0)).toBe(true);
    expect(c.claimLandmarks(200)).toBe(false); // still busy
    c.releaseLandmarks();
    expect(c.claimLandmarks(50)).toBe(false); // idle but not due (100 ms at 10 Hz)
    expect(c.claimLandmarks(100)).toBe(true);
  });

  it('rates finished detections over the trailing window', () => {
    const c = createCadence(30, 10);
    for (let t = 0; t < 3000; t += 100) c.landmarksDone(t);
    c.frame(3000, 3000);
    expect(c.landmarkHz()).toBe(10);
  });

  it('anchors camera timestamps to the first arrival', () => {
    const c = createCadence(30, 10);
    c.frame(500, 10_000);
    expect(c.frameTime(533, 10_050)).toBe(10_033);
    expect(c.frameTime(null, 10_050)).toBe(10_050);
  });
});
