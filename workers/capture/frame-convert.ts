/**
 * Camera frame to RGB. The YUV fast path copies only the face square of an I420/NV12 frame
 * (no full-frame RGB conversion, which costs ~3.5 ms a frame in software) and converts it here;
 * other formats, and frames that need the whole picture, are drawn once to a full-frame canvas,
 * from which crops are cheap blits and small read-backs (every drawImage from a VideoFrame
 * converts the whole frame: measured 3.5 ms for one full draw plus blits against 7.9 ms for two
 * region draws from the frame).
 */
import { sizedCanvas, type PixelWindow, type Surfaces } from './surfaces.ts';

/** Copied YUV rectangles snap to this grid: even (2x2 chroma) and a steady size, so canvases are reused. */
export const YUV_SNAP_PX = 16;
/** Pixel formats the fast path converts. */
export const YUV_FORMATS: readonly string[] = ['I420', 'NV12', 'I420A'];

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface YuvCoefficients {
  yOff: number;
  yMul: number;
  rv: number;
  gu: number;
  gv: number;
  bu: number;
}

/** Y'CbCr to R'G'B' coefficients for the frame's matrix (BT.601 unless BT.709) and range. */
export function yuvCoefficients(cs: { fullRange?: boolean | null; matrix?: string | null } | undefined): YuvCoefficients {
  const full = cs?.fullRange === true;
  const bt709 = cs?.matrix === 'bt709';
  const [kr, kb] = bt709 ? [0.2126, 0.0722] : [0.299, 0.114];
  const kg = 1 - kr - kb;
  const c = full ? 1 : 255 / 224;
  return {
    yOff: full ? 0 : 16,
    yMul: full ? 1 : 255 / 219,
    rv: 2 * (1 - kr) * c,
    gu: ((2 * (1 - kb) * kb) / kg) * c,
    gv: ((2 * (1 - kr) * kr) / kg) * c,
    bu: 2 * (1 - kb) * c,
  };
}

/**
 * The rectangle to copy for `rect` inside a visible area of `width` x `height`: snapped outwards
 * to the YUV grid and clipped to even frame bounds; null when under 2x2 pixels.
 */
export function snapYuvRect(rect: Rect, width: number, height: number): Rect | null {
  const x = Math.max(0, Math.floor(rect.x / YUV_SNAP_PX) * YUV_SNAP_PX);
  const y = Math.max(0, Math.floor(rect.y / YUV_SNAP_PX) * YUV_SNAP_PX);
  const x1 = Math.min(width - (width % 2), Math.ceil((rect.x + rect.w) / YUV_SNAP_PX) * YUV_SNAP_PX);
  const y1 = Math.min(height - (height % 2), Math.ceil((rect.y + rect.h) / YUV_SNAP_PX) * YUV_SNAP_PX);
  const w = x1 - x;
  const h = y1 - y;
  return w < 2 || h < 2 ? null : { x, y, w, h };
}

export interface PlaneLayout {
  offset: number;
  stride: number;
}

/**
 * Planar (I420: Y, U, V) or semi-planar (NV12: Y, interleaved UV) pixels to RGBA, `w` even.
 * Packed little-endian RGBA writes; chroma terms computed once per pixel pair.
 */
export function yuvToRgba(src: Uint8Array, layout: readonly PlaneLayout[], semiPlanar: boolean, w: number, h: number, k: YuvCoefficients): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(w * h * 4);
  const out = new Uint32Array(rgba.buffer);
  const yP = layout[0];
  const uP = layout[1];
  const vP = semiPlanar ? null : layout[2];
  const { yOff, yMul, rv, gu, gv, bu } = k;
  for (let row = 0; row < h; row++) {
    const yo = yP.offset + row * yP.stride;
    const co = uP.offset + (row >> 1) * uP.stride;
    const vo = vP ? vP.offset + (row >> 1) * vP.stride : 0;
    let o = row * w;
    for (let col = 0; col < w; col += 2, o += 2) {
      const ci = col >> 1;
      const U = (vP ? src[co + ci] : src[co + 2 * ci]) - 128;
      const V = (vP ? src[vo + ci] : src[co + 2 * ci + 1]) - 128;
      const cr = rv * V;
      const cg = gu * U + gv * V;
      const cb = bu * U;
      for (let j = 0; j < 2; j++) {
        const Y = (src[yo + col + j] - yOff) * yMul;
        let r = Y + cr, g = Y - cg, bl = Y + cb;
        r = r < 0 ? 0 : r > 255 ? 255 : r;
        g = g < 0 ? 0 : g > 255 ? 255 : g;
        bl = bl < 0 ? 0 : bl > 255 ? 255 : bl;
        out[o + j] = 0xff000000 | ((bl + 0.5) << 16) | ((g + 0.5) << 8) | (r + 0.5);
      }
    }
  }
  return rgba;
}

export interface FrameConverter {
  /**
   * The YUV fast path for `rect` of `frame`; null for other formats (the caller then draws the
   * whole frame). Rejects when the browser refuses the copy.
   */
  yuvWindow(frame: VideoFrame, rect: Rect): Promise<PixelWindow | null>;
  /** Draws the whole frame into the full-frame canvas (the general path). */
  fullWindow(source: CanvasImageSource, w: number, h: number): PixelWindow;
  /**
   * The window for a frame: `rect` alone from a YUV VideoFrame (`video`) when possible, else the
   * whole frame (always when `rect` is null). Once the browser refuses a YUV copy, the canvas
   * path is used from then on and `onRefused` is told.
   */
  window(source: CanvasImageSource, video: VideoFrame | null, rect: Rect | null, w: number, h: number): Promise<PixelWindow>;
}

export function createFrameConverter(surfaces: Surfaces, onRefused: (err: unknown) => void = () => {}): FrameConverter {
  let yuvFastPath = true;
  let buf = new Uint8Array(0);
  let windowCanvas: OffscreenCanvas | null = null;
  let fullCanvas: OffscreenCanvas | null = null;
  let fullCtx: OffscreenCanvasRenderingContext2D | null = null;
  const converter: FrameConverter = {
    async yuvWindow(frame, rect) {
      const format = frame.format;
      if (!format || !YUV_FORMATS.includes(format)) return null;
      const vr = frame.visibleRect;
      if (!vr) return null;
      const r = snapYuvRect(rect, vr.width, vr.height);
      if (!r) return null;
      const copyRect = { x: vr.x + r.x, y: vr.y + r.y, width: r.w, height: r.h };
      const size = frame.allocationSize({ rect: copyRect });
      if (buf.length < size) buf = new Uint8Array(size);
      const layout = await frame.copyTo(buf, { rect: copyRect });
      const rgba = yuvToRgba(buf, layout, format === 'NV12', r.w, r.h, yuvCoefficients(frame.colorSpace));
      windowCanvas = sizedCanvas(surfaces, windowCanvas, r.w, r.h);
      windowCanvas.getContext('2d')!.putImageData(surfaces.imageData(rgba, r.w, r.h), 0, 0);
      return { ...r, canvas: windowCanvas, rgba };
    },
    fullWindow(source, w, h) {
      if (!fullCanvas || fullCanvas.width !== w || fullCanvas.height !== h) {
        fullCanvas = surfaces.canvas(w, h);
        fullCtx = fullCanvas.getContext('2d', { willReadFrequently: true })!;
      }
      fullCtx!.drawImage(source, 0, 0, w, h);
      return { x: 0, y: 0, w, h, canvas: fullCanvas, rgba: null };
    },
    async window(source, video, rect, w, h) {
      if (rect && video && yuvFastPath) {
        const win = await converter.yuvWindow(video, rect).catch((err: unknown) => {
          yuvFastPath = false; // e.g. a format copyTo refuses here: use the canvas from now on
          onRefused(err);
          return null;
        });
        if (win) return win;
      }
      return converter.fullWindow(source, w, h);
    },
  };
  return converter;
}
