/**
 * ROI sampling on one frame: mean RGB and skin-pixel counts of the three ROIs (forehead, cheeks),
 * and the brightness the guidance shows (skin luma, or the whole picture without a face).
 */
import { createRoiPolygons, ROI_NAMES, type RoiPolygons } from '../face/roi-polygons.ts';
import { sampleRoiMeans } from '../face/roi-sampling.ts';
import type { FaceTrack } from './face-track.ts';
import type { PixelWindow, Surfaces } from './surfaces.ts';

/** ROIs sampled per frame: forehead, left cheek, right cheek. */
export const ROI_COUNT = ROI_NAMES.length;

/** Fresh per-frame buffers: mean [R, G, B] per ROI, and skin-pixel counts per ROI. */
export function createRoiBuffers(): { roi: Float32Array; skin: Uint32Array } {
  return { roi: new Float32Array(3 * ROI_COUNT), skin: new Uint32Array(ROI_COUNT) };
}

/** Rec. 601 luma weights. */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;
/** Size of the downscale the no-face brightness is read from. */
export const BRIGHTNESS_PROBE_SIZE = { w: 32, h: 24 } as const;

export interface PixelRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Pixel bounds of the ROI polygons, clipped to the frame; null when empty. */
export function polygonsBounds(polys: RoiPolygons, width: number, height: number): PixelRect | null {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const p of polys) {
    for (let i = 0; i < p.length; i += 2) {
      if (!Number.isFinite(p[i]) || !Number.isFinite(p[i + 1])) continue;
      x0 = Math.min(x0, p[i]); x1 = Math.max(x1, p[i]);
      y0 = Math.min(y0, p[i + 1]); y1 = Math.max(y1, p[i + 1]);
    }
  }
  const x = Math.max(0, Math.floor(x0));
  const y = Math.max(0, Math.floor(y0));
  const w = Math.min(width, Math.ceil(x1) + 1) - x;
  const h = Math.min(height, Math.ceil(y1) + 1) - y;
  return w > 0 && h > 0 ? { x, y, w, h } : null;
}

/** Copies `polys` into `out` moved by (-dx, -dy). */
export function shiftPolygons(polys: RoiPolygons, dx: number, dy: number, out: RoiPolygons): RoiPolygons {
  for (let r = 0; r < polys.length; r++) {
    const src = polys[r], dst = out[r];
    for (let i = 0; i < src.length; i += 2) {
      dst[i] = src[i] - dx;
      dst[i + 1] = src[i + 1] - dy;
    }
  }
  return out;
}

export function luma(r: number, g: number, b: number): number {
  return LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b;
}

/** Skin-weighted luma of the ROI means: the luma sum over all skin pixels and their count. */
export function skinLuma(roi: ArrayLike<number>, skin: ArrayLike<number>): { sum: number; n: number } {
  let sum = 0, n = 0;
  for (let r = 0; r < ROI_COUNT; r++) {
    sum += luma(roi[3 * r], roi[3 * r + 1], roi[3 * r + 2]) * skin[r];
    n += skin[r];
  }
  return { sum, n };
}

/** Mean luma of RGBA pixels (0 when empty). */
export function meanLuma(rgba: ArrayLike<number>): number {
  let sum = 0, n = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    sum += luma(rgba[i], rgba[i + 1], rgba[i + 2]);
    n++;
  }
  return sum / Math.max(1, n);
}

export interface RoiSampler {
  /** Fills `roi` (9 means) and `skin` (3 counts) from the window; returns the brightness. */
  sample(win: PixelWindow, face: FaceTrack, w: number, h: number, roi: Float32Array, skin: Uint32Array): number;
}

export function createRoiSampler(surfaces: Surfaces): RoiSampler {
  const shifted = createRoiPolygons();
  let probe: OffscreenCanvasRenderingContext2D | null = null;
  return {
    sample(win, face, w, h, roi, skin) {
      let lumaSum = 0;
      let lumaN = 0;
      const region = face.polysValid && face.width === w ? polygonsBounds(face.polys, w, h) : null;
      if (region) {
        // A window built in JS already holds RGBA: sample it in place; otherwise read back only
        // the face region of the full-frame canvas.
        const area: PixelRect = win.rgba ? win : region;
        const data = win.rgba ?? win.canvas.getContext('2d', { willReadFrequently: true })!.getImageData(region.x, region.y, region.w, region.h).data;
        sampleRoiMeans(data, area.w, area.h, shiftPolygons(face.polys, area.x, area.y, shifted), roi, skin);
        const s = skinLuma(roi, skin);
        lumaSum = s.sum;
        lumaN = s.n;
      }
      if (lumaN > 0) return lumaSum / lumaN;
      // No face (or no skin): the brightness of what the window shows, from a tiny downscale.
      const { w: pw, h: ph } = BRIGHTNESS_PROBE_SIZE;
      probe ??= surfaces.canvas(pw, ph).getContext('2d', { willReadFrequently: true })!;
      probe.drawImage(win.canvas, 0, 0, pw, ph);
      return meanLuma(probe.getImageData(0, 0, pw, ph).data);
    },
  };
}
