// Letterbox and pillarbox bars are found and the CNN's crop is placed inside the picture.
import { describe, expect, it } from 'vitest';
import { computeCropBounds } from '../../../workers/cnn/crop-box.ts';
import { cropBoundsWithin, detectActiveArea } from '../../../workers/face/active-area.ts';

/** An RGBA frame of textured mid-grey noise with optional black bars (pixels) on each edge. */
function frame(w: number, h: number, bars: { top?: number; bottom?: number; left?: number; right?: number } = {}, sceneLuma = 120): Uint8ClampedArray {
  const d = new Uint8ClampedArray(w * h * 4);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const bar = y < (bars.top ?? 0) || y >= h - (bars.bottom ?? 0) || x < (bars.left ?? 0) || x >= w - (bars.right ?? 0);
    const v = bar ? 2 + Math.round(rnd() * 3) : sceneLuma + Math.round((rnd() - 0.5) * 60);
    d.set([v, v, v, 255], 4 * (y * w + x));
  }
  return d;
}

describe('detectActiveArea', () => {
  it('is the whole frame without bars', () => {
    expect(detectActiveArea(frame(320, 240), 320, 240)).toEqual({ x: 0, y: 0, w: 320, h: 240 });
  });
  it('finds letterbox bars above and below', () => {
    const area = detectActiveArea(frame(320, 240, { top: 30, bottom: 30 }), 320, 240);
    expect(area).toEqual({ x: 0, y: 30, w: 320, h: 180 });
  });
  it('finds bars of any flat colour (an app may pad with grey)', () => {
    const d = frame(320, 240, { top: 24, bottom: 24 });
    for (let i = 0; i < d.length; i += 4) if (d[i] < 10) d.set([128, 128, 128], i);
    expect(detectActiveArea(d, 320, 240)).toEqual({ x: 0, y: 24, w: 320, h: 192 });
  });
  it('finds pillarbox bars at the sides', () => {
    expect(detectActiveArea(frame(320, 240, { left: 40, right: 40 }), 320, 240)).toEqual({ x: 40, y: 0, w: 240, h: 240 });
  });
  it('does not call a dark but textured scene, or a one-pixel dark edge, a bar', () => {
    expect(detectActiveArea(frame(320, 240, {}, 20), 320, 240)).toEqual({ x: 0, y: 0, w: 320, h: 240 });
    expect(detectActiveArea(frame(320, 240, { top: 1 }), 320, 240)).toEqual({ x: 0, y: 0, w: 320, h: 240 });
  });
  it('never takes more than a share of a side for a bar (an all-black frame stays a frame)', () => {
    const area = detectActiveArea(frame(320, 240, { top: 240 }), 320, 240);
    expect(area.h).toBeGreaterThan(240 * 0.25);
  });
});

describe('cropBoundsWithin', () => {
  it('keeps the 4.0x context crop out of the bars, shifted as upstream shifts it at an image edge', () => {
    // 640x480 with 60 px bars above and below; a face 100 px tall near the top of the picture.
    const area = { x: 0, y: 60, w: 640, h: 360 };
    const face = { x: 270, y: 80, w: 100, h: 100 };
    const inside = cropBoundsWithin(face, area, 4.0);
    expect(inside.top).toBeGreaterThanOrEqual(60);
    expect(inside.bottom).toBeLessThanOrEqual(419);
    const whole = computeCropBounds(face, 640, 480, 4.0);
    expect(whole.top).toBeLessThan(60); // the old crop reached into the bar
  });
  it('is upstream computeCropBounds when the area is the whole frame', () => {
    const face = { x: 200, y: 150, w: 120, h: 140 };
    expect(cropBoundsWithin(face, { x: 0, y: 0, w: 640, h: 480 }, 2.7)).toEqual(computeCropBounds(face, 640, 480, 2.7));
  });
});
