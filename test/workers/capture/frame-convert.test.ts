import { describe, expect, it } from 'vitest';
import { createFrameConverter, snapYuvRect, yuvCoefficients, yuvToRgba, YUV_SNAP_PX } from '../../../workers/capture/frame-convert.ts';
import { fakeSurfaces } from './fake-surfaces.ts';

/** Reference conversion of one pixel, straight from the matrix definition. */
function reference(Y: number, U: number, V: number, full: boolean, bt709: boolean): [number, number, number] {
  const [kr, kb] = bt709 ? [0.2126, 0.0722] : [0.299, 0.114];
  const kg = 1 - kr - kb;
  const y = full ? Y : ((Y - 16) * 255) / 219;
  const cb = full ? U - 128 : ((U - 128) * 255) / 224;
  const cr = full ? V - 128 : ((V - 128) * 255) / 224;
  const r = y + 2 * (1 - kr) * cr;
  const b = y + 2 * (1 - kb) * cb;
  const g = (y - kr * r - kb * b) / kg;
  const clip = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
  return [clip(r), clip(g), clip(b)];
}

/** An I420 frame w x h from per-pixel Y and per-2x2 U, V planes, and its NV12 twin. */
function planes(w: number, h: number, seed: number) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) % 256);
  const Y = Uint8Array.from({ length: w * h }, rnd);
  const U = Uint8Array.from({ length: (w / 2) * (h / 2) }, rnd);
  const V = Uint8Array.from({ length: (w / 2) * (h / 2) }, rnd);
  const i420 = Uint8Array.of(...Y, ...U, ...V);
  const uv = new Uint8Array(U.length * 2);
  for (let i = 0; i < U.length; i++) (uv[2 * i] = U[i]), (uv[2 * i + 1] = V[i]);
  const nv12 = Uint8Array.of(...Y, ...uv);
  const i420Layout = [{ offset: 0, stride: w }, { offset: w * h, stride: w / 2 }, { offset: w * h + U.length, stride: w / 2 }];
  const nv12Layout = [{ offset: 0, stride: w }, { offset: w * h, stride: w }];
  return { Y, U, V, i420, nv12, i420Layout, nv12Layout };
}

describe('YUV to RGBA', () => {
  for (const [full, bt709] of [[true, false], [false, false], [false, true], [true, true]] as const) {
    it(`matches the matrix definition (full range ${full}, BT.709 ${bt709}) within rounding`, () => {
      const w = 8, h = 4;
      const p = planes(w, h, 7 + Number(full) + 2 * Number(bt709));
      const k = yuvCoefficients({ fullRange: full, matrix: bt709 ? 'bt709' : 'smpte170m' });
      const rgba = yuvToRgba(p.i420, p.i420Layout, false, w, h, k);
      for (let row = 0; row < h; row++) {
        for (let col = 0; col < w; col++) {
          const ci = (row >> 1) * (w / 2) + (col >> 1);
          const want = reference(p.Y[row * w + col], p.U[ci], p.V[ci], full, bt709);
          const o = 4 * (row * w + col);
          for (let c = 0; c < 3; c++) expect(Math.abs(rgba[o + c] - want[c])).toBeLessThanOrEqual(1);
          expect(rgba[o + 3]).toBe(255);
        }
      }
    });
  }

  it('gives the same pixels from NV12 as from I420', () => {
    const w = 16, h = 6;
    const p = planes(w, h, 3);
    const k = yuvCoefficients(undefined);
    expect(yuvToRgba(p.nv12, p.nv12Layout, true, w, h, k)).toEqual(yuvToRgba(p.i420, p.i420Layout, false, w, h, k));
  });
});

describe('snapYuvRect', () => {
  it('snaps outwards to the grid and clips to even frame bounds', () => {
    expect(snapYuvRect({ x: 20, y: 35, w: 50, h: 50 }, 640, 480)).toEqual({ x: 16, y: 32, w: 64, h: 64 });
    expect(snapYuvRect({ x: -10, y: 450, w: 100, h: 100 }, 641, 479)).toEqual({ x: 0, y: 448, w: 96, h: 30 });
    const r = snapYuvRect({ x: 3, y: 3, w: 40, h: 40 }, 640, 480)!;
    expect(r.x % YUV_SNAP_PX).toBe(0);
    expect(r.w % 2).toBe(0);
  });

  it('is null for a rectangle outside the frame', () => {
    expect(snapYuvRect({ x: 700, y: 10, w: 20, h: 20 }, 640, 480)).toBeNull();
  });
});

describe('frame converter', () => {
  function fakeFrame(format: string | null, copy?: () => Promise<never>) {
    const w = 64, h = 32;
    const p = planes(w, h, 11);
    return {
      format,
      visibleRect: { x: 0, y: 0, width: w, height: h },
      colorSpace: { fullRange: true, matrix: 'bt709' },
      allocationSize: ({ rect }: { rect: { width: number; height: number } }) => rect.width * rect.height * 1.5,
      copyTo: copy ?? (async (buf: Uint8Array, { rect }: { rect: { x: number; y: number; width: number; height: number } }) => {
        // Copy the rectangle out of the full I420 frame, packed.
        const { x, y, width, height } = rect;
        let o = 0;
        for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) buf[o++] = p.Y[(y + r) * w + x + c];
        const uOff = o;
        for (let r = 0; r < height / 2; r++) for (let c = 0; c < width / 2; c++) buf[o++] = p.U[((y >> 1) + r) * (w / 2) + (x >> 1) + c];
        const vOff = o;
        for (let r = 0; r < height / 2; r++) for (let c = 0; c < width / 2; c++) buf[o++] = p.V[((y >> 1) + r) * (w / 2) + (x >> 1) + c];
        return [{ offset: 0, stride: width }, { offset: uOff, stride: width / 2 }, { offset: vOff, stride: width / 2 }];
      }),
      p,
      w,
      h,
    };
  }

  it('converts only the snapped face window of a YUV frame, reusing its canvas', async () => {
    const surfaces = fakeSurfaces();
    const convert = createFrameConverter(surfaces);
    const f = fakeFrame('I420');
    const win = (await convert.yuvWindow(f as unknown as VideoFrame, { x: 20, y: 4, w: 20, h: 20 }))!;
    expect({ x: win.x, y: win.y, w: win.w, h: win.h }).toEqual({ x: 16, y: 0, w: 32, h: 32 });
    const whole = yuvToRgba(f.p.i420, [{ offset: 0, stride: f.w }, { offset: f.w * f.h, stride: f.w / 2 }, { offset: f.w * f.h * 1.25, stride: f.w / 2 }], false, f.w, f.h, yuvCoefficients(f.colorSpace));
    // The window's first row equals the same pixels of a whole-frame conversion.
    expect(Array.from(win.rgba!.subarray(0, 32 * 4))).toEqual(Array.from(whole.subarray(16 * 4, 48 * 4)));
    const again = (await convert.yuvWindow(f as unknown as VideoFrame, { x: 21, y: 5, w: 20, h: 20 }))!;
    expect(again.canvas).toBe(win.canvas);
    expect(surfaces.made).toHaveLength(1);
  });

  it('answers null for other formats and passes a refused copy on', async () => {
    const convert = createFrameConverter(fakeSurfaces());
    expect(await convert.yuvWindow(fakeFrame('RGBA') as unknown as VideoFrame, { x: 0, y: 0, w: 16, h: 16 })).toBeNull();
    const refusing = fakeFrame('NV12', () => Promise.reject(new Error('copyTo refused')));
    await expect(convert.yuvWindow(refusing as unknown as VideoFrame, { x: 0, y: 0, w: 16, h: 16 })).rejects.toThrow('copyTo refused');
  });

  it('draws the whole frame once into a full-frame canvas kept while the size holds', () => {
    const surfaces = fakeSurfaces();
    const convert = createFrameConverter(surfaces);
    const a = convert.fullWindow({} as CanvasImageSource, 640, 480);
    const b = convert.fullWindow({} as CanvasImageSource, 640, 480);
    expect(a).toMatchObject({ x: 0, y: 0, w: 640, h: 480, rgba: null });
    expect(b.canvas).toBe(a.canvas);
    expect(convert.fullWindow({} as CanvasImageSource, 320, 240).canvas).not.toBe(a.canvas);
    expect((a.canvas as unknown as { draws: unknown[] }).draws).toHaveLength(2);
  });

  it('uses the YUV window when it can, the whole frame otherwise, and the canvas for good once a copy is refused', async () => {
    const refusals: unknown[] = [];
    const convert = createFrameConverter(fakeSurfaces(), (err) => refusals.push(err));
    const ok = fakeFrame('I420') as unknown as VideoFrame;
    const src = {} as CanvasImageSource;
    const rect = { x: 0, y: 0, w: 16, h: 16 };
    expect((await convert.window(src, ok, rect, 64, 32)).rgba).not.toBeNull();
    expect((await convert.window(src, ok, null, 64, 32)).rgba).toBeNull(); // a whole frame was asked for
    expect((await convert.window(src, null, rect, 64, 32)).rgba).toBeNull(); // not a VideoFrame
    const refusing = fakeFrame('NV12', () => Promise.reject(new Error('copyTo refused'))) as unknown as VideoFrame;
    expect((await convert.window(src, refusing, rect, 64, 32)).rgba).toBeNull();
    expect(refusals).toHaveLength(1);
    expect((await convert.window(src, ok, rect, 64, 32)).rgba).toBeNull(); // the canvas from now on
    expect(refusals).toHaveLength(1);
  });
});
