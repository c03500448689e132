import { describe, expect, it } from 'vitest';
import { createRoiPolygons } from '../../../workers/face/roi-polygons.ts';
import { createFaceTrack } from '../../../workers/capture/face-track.ts';
import { createRoiSampler, luma, meanLuma, polygonsBounds, shiftPolygons, skinLuma } from '../../../workers/capture/roi-sampler.ts';
import type { PixelWindow } from '../../../workers/capture/surfaces.ts';
import { loadAstronaut } from '../face/fixture.ts';
import { fakeSurfaces } from './fake-surfaces.ts';

describe('ROI geometry', () => {
  it('bounds the polygons in pixels, clipped to the frame, skipping non-finite vertices', () => {
    const p = createRoiPolygons();
    p[0] = Float32Array.of(10.5, 20, 30, 20, 30, 40.2);
    p[1] = Float32Array.of(-5, 5, 8, NaN, 8, 6);
    p[2] = Float32Array.of(60, 70, 61, 70, 61, 71);
    expect(polygonsBounds(p, 50, 60)).toEqual({ x: 0, y: 5, w: 50, h: 55 });
    const off = createRoiPolygons().map((q) => new Float32Array(q.length).fill(NaN)) as ReturnType<typeof createRoiPolygons>;
    expect(polygonsBounds(off, 50, 60)).toBeNull();
    p[0] = Float32Array.of(70, 70, 80, 80);
    p[1] = Float32Array.of(90, 90);
    p[2] = Float32Array.of(75, 75);
    expect(polygonsBounds(p, 50, 60)).toBeNull(); // all outside the frame
  });

  it('shifts polygons into a window', () => {
    const p = createRoiPolygons();
    p[0] = Float32Array.of(10, 20, 30, 40);
    const out = createRoiPolygons();
    out[0] = new Float32Array(4);
    shiftPolygons(p, 5, 10, out);
    expect(Array.from(out[0])).toEqual([5, 10, 25, 30]);
  });

  it('weighs luma by skin pixels', () => {
    const roi = Float32Array.of(100, 100, 100, 200, 200, 200, 0, 0, 0);
    expect(skinLuma(roi, Uint32Array.of(1, 3, 0))).toEqual({ sum: luma(100, 100, 100) + 3 * luma(200, 200, 200), n: 4 });
    expect(meanLuma(Uint8ClampedArray.of(255, 255, 255, 255, 0, 0, 0, 255))).toBeCloseTo(127.5, 9);
    expect(meanLuma(new Uint8ClampedArray(0))).toBe(0);
  });
});

describe('ROI sampler', () => {
  const fx = loadAstronaut();
  const landmarks = Float32Array.from(fx.landmarks);

  it('samples the skin of the three ROIs from the window and reports their luma', () => {
    const surfaces = fakeSurfaces([180, 120, 90]);
    const sampler = createRoiSampler(surfaces);
    const face = createFaceTrack();
    face.apply(landmarks, 0, fx.width, fx.height);
    const win: PixelWindow = { x: 0, y: 0, w: fx.width, h: fx.height, canvas: surfaces.canvas(fx.width, fx.height), rgba: null };
    const roi = new Float32Array(9);
    const skin = new Uint32Array(3);
    const brightness = sampler.sample(win, face, fx.width, fx.height, roi, skin);
    expect(Math.min(...skin)).toBeGreaterThan(0);
    for (let r = 0; r < 3; r++) expect(Array.from(roi.subarray(3 * r, 3 * r + 3))).toEqual([180, 120, 90]);
    expect(brightness).toBeCloseTo(luma(180, 120, 90), 4);
  });

  it('samples an RGBA window in place, with the polygons moved into it', () => {
    const surfaces = fakeSurfaces([0, 0, 0]); // the canvas would read black: the window's own RGBA must be used
    const sampler = createRoiSampler(surfaces);
    const face = createFaceTrack();
    face.apply(landmarks, 0, fx.width, fx.height);
    const b = polygonsBounds(face.polys, fx.width, fx.height)!;
    const rgba = new Uint8ClampedArray(b.w * b.h * 4);
    for (let i = 0; i < rgba.length; i += 4) rgba.set([200, 150, 100, 255], i);
    const win: PixelWindow = { ...b, canvas: surfaces.canvas(b.w, b.h), rgba };
    const roi = new Float32Array(9);
    const skin = new Uint32Array(3);
    expect(sampler.sample(win, face, fx.width, fx.height, roi, skin)).toBeCloseTo(luma(200, 150, 100), 4);
    expect(roi[0]).toBe(200);
  });

  it('without a face, reports the brightness of the whole window from a small probe', () => {
    const surfaces = fakeSurfaces([30, 30, 30]);
    const sampler = createRoiSampler(surfaces);
    const win: PixelWindow = { x: 0, y: 0, w: 640, h: 480, canvas: surfaces.canvas(640, 480), rgba: null };
    const skin = new Uint32Array(3);
    expect(sampler.sample(win, createFaceTrack(), 640, 480, new Float32Array(9), skin)).toBeCloseTo(30, 9);
    expect(Array.from(skin)).toEqual([0, 0, 0]);
    expect(surfaces.made.map((c) => [c.width, c.height])).toContainEqual([32, 24]);
  });
});
