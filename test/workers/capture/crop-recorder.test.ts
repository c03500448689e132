import { describe, expect, it } from 'vitest';
import { CONTEXT_CROP_JPEG_QUALITY, createCropRecorder, cropDueAt, DEFAULT_IDENTITY_CROP_SIZE, faceSquare, FACE_CROP_JPEG_QUALITY } from '../../../workers/capture/crop-recorder.ts';
import type { PixelWindow } from '../../../workers/capture/surfaces.ts';
import type { CapturePlan } from '../../../workers/capture/types.ts';
import { dequantizeLandmarkSubset } from '../../../workers/face/landmark-subset.ts';
import { loadAstronaut, moveRigid } from '../face/fixture.ts';
import { fakeSurfaces, JPEG_SOI, type FakeCanvas } from './fake-surfaces.ts';

const plan: CapturePlan = {
  duration_ms: 6000, fps: 30, chunk_ms: 1000, face_crop_size: 64, context_crop_size: 160, context_crop_scale: 4,
  frame_count: 6, max_chunk_bytes: 1 << 20, max_total_bytes: 1 << 24, max_frames_per_chunk: 90, identity_crops: 2,
};
const W = 640, H = 480;
const box = Float32Array.of(0.4, 0.3, 0.2, 0.3);

function window(surfaces: ReturnType<typeof fakeSurfaces>): PixelWindow {
  return { x: 0, y: 0, w: W, h: H, canvas: surfaces.canvas(W, H), rgba: null };
}

describe('crop schedule', () => {
  it('spreads crops evenly over the capture', () => {
    expect([0, 1, 5].map((i) => cropDueAt(i, 6, 6000, 0.5))).toEqual([500, 1500, 5500]);
    expect(cropDueAt(1, 2, 6000, 0.25)).toBe(3750);
  });

  it('takes the face square, or the centre square of half the short side without a face', () => {
    expect(Array.from(faceSquare(false, box, W, H))).toEqual([200, 120, 240]);
    const sq = faceSquare(true, box, W, H);
    expect(sq[2]).toBeCloseTo(Math.max(0.2 * W, 0.3 * H), 3);
  });
});

describe('crop recorder', () => {
  it('draws the face crop from the window onto black and encodes it', async () => {
    const surfaces = fakeSurfaces();
    const crops = createCropRecorder(plan, surfaces);
    const win = { ...window(surfaces), x: 192, y: 96 };
    const bytes = await crops.faceCrop(win, false, box, W, H);
    expect(Array.from(bytes.subarray(0, 2))).toEqual(JPEG_SOI);
    expect(bytes[5]).toBe(Math.round(FACE_CROP_JPEG_QUALITY * 100));
    const canvas = surfaces.made.find((c) => c.width === plan.face_crop_size) as FakeCanvas;
    expect(canvas.fills).toBe(1);
    // The centre square (200, 120, 240) in window coordinates, scaled to the crop.
    expect(canvas.draws[0].args).toEqual([8, 24, 240, 240, 0, 0, 64, 64]);
  });

  it('gives one context crop per due time, with a face only, and the face box in pixels for the CNN', async () => {
    const surfaces = fakeSurfaces();
    const crops = createCropRecorder(plan, surfaces);
    const win = window(surfaces);
    expect(crops.contextDue(400, true)).toBe(false);
    expect(crops.contextDue(500, false)).toBe(false);
    expect(crops.contextCrop(win, box, 400, W, H)).toBeNull();
    const taken = crops.contextCrop(win, box, 520, W, H)!;
    expect(taken.crop.t).toBe(520);
    expect(taken.facePx).toEqual({ x: expect.closeTo(0.4 * W, 3), y: expect.closeTo(0.3 * H, 3), w: expect.closeTo(0.2 * W, 3), h: expect.closeTo(0.3 * H, 3) });
    await taken.ready;
    expect(taken.crop.crop[5]).toBe(Math.round(CONTEXT_CROP_JPEG_QUALITY * 100));
    expect(crops.contextCrop(win, box, 600, W, H)).toBeNull(); // the next one is due at 1500
    expect(crops.contextDue(1500, true)).toBe(true);
  });

  it('keeps a context crop inside the picture on a letterboxed frame', () => {
    const surfaces = fakeSurfaces();
    const crops = createCropRecorder(plan, surfaces);
    const bar = 60;
    const rgba = new Uint8ClampedArray(W * H * 4);
    for (let y = 0; y < H; y++) {
      const v = y < bar || y >= H - bar ? 0 : 128 + ((y * 7) % 40);
      for (let x = 0; x < W; x++) rgba.set([v, v, v, 255], 4 * (y * W + x));
    }
    const win: PixelWindow = { x: 0, y: 0, w: W, h: H, canvas: surfaces.canvas(W, H), rgba };
    const nearTop = Float32Array.of(0.4, 0.15, 0.2, 0.25);
    const taken = crops.contextCrop(win, nearTop, 520, W, H)!;
    const [, y, , ch] = taken.crop.box;
    expect(y * H).toBeGreaterThanOrEqual(bar - 1);
    expect((y + ch) * H).toBeLessThanOrEqual(H - bar + 1);
  });

  it('moves the context schedule on even when the face is too small to crop', () => {
    const crops = createCropRecorder(plan, fakeSurfaces());
    expect(crops.contextCrop(window(fakeSurfaces()), new Float32Array(4), 600, W, H)).toBeNull();
    expect(crops.contextDue(700, true)).toBe(false);
  });

  it('keeps an identity candidate only when its own landmarks pass the gate', async () => {
    const fx = loadAstronaut();
    const surfaces = fakeSurfaces();
    const crops = createCropRecorder(plan, surfaces);
    const win: PixelWindow = { x: 0, y: 0, w: fx.width, h: fx.height, canvas: surfaces.canvas(fx.width, fx.height), rgba: null };
    expect(crops.identityDue(700, true, true)).toBe(false); // first due at 750
    expect(crops.identityDue(1500, true, false)).toBe(false); // not sent for landmarks
    expect(crops.identityDue(1500, false, true)).toBe(false); // no face
    expect(crops.identityDue(1500, true, true)).toBe(true);
    crops.takeIdentity(win, box, 77, 1500, fx.width, fx.height);
    expect(crops.identityDue(1600, true, true)).toBe(false); // one candidate at a time
    expect(crops.settleIdentity(78, fx.landmarks)).toBeNull(); // another frame's landmarks
    expect(crops.settleIdentity(77, moveRigid(fx, { yaw: 40 }))).toBeNull(); // not frontal: dropped
    expect(crops.identityDue(1600, true, true)).toBe(true); // the next landmark frame tries again
    crops.takeIdentity(win, box, 90, 1600, fx.width, fx.height);
    const kept = crops.settleIdentity(90, fx.landmarks)!;
    expect(kept).not.toBeNull();
    await kept.ready;
    expect(kept.crop.t).toBe(1600);
    expect(dequantizeLandmarkSubset(kept.crop.lm).length).toBeGreaterThan(0);
    expect(surfaces.made.some((c) => c.width === DEFAULT_IDENTITY_CROP_SIZE)).toBe(true);
    expect(crops.identityDue(3700, true, true)).toBe(false); // second due at 3750
    expect(crops.identityDue(3750, true, true)).toBe(true);
  });
});
