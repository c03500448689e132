/**
 * The crops a capture sends: the aligned face crop of every frame, context crops for the CNN
 * spread evenly over the capture, and identity crops taken on frames sent for landmarks and kept
 * once that frame's own landmarks pass the identity gate (frontal, eyes open, large enough).
 */
import { normalisedCropBox, type PixelBox } from '../cnn/index.ts';
import type { ContextCrop, IdentityCrop } from '../codec/index.ts';
import { cropBoundsWithin, detectActiveArea } from '../face/active-area.ts';
import { squareCropBox } from '../face/face-box.ts';
import { identityCropRegion, identityFrameGate } from '../face/identity-gate.ts';
import { quantizeLandmarkSubset } from '../face/landmark-subset.ts';
import type { FlatLandmarks } from '../face/landmarks.ts';
import type { PendingIdentity } from './chunker.ts';
import { encodeJpeg, sizedCanvas, type PixelWindow, type Surfaces } from './surfaces.ts';
import type { CapturePlan } from './types.ts';

export const FACE_CROP_JPEG_QUALITY = 0.85;
export const CONTEXT_CROP_JPEG_QUALITY = 0.9;
export const IDENTITY_CROP_JPEG_QUALITY = 0.92;
export const DEFAULT_IDENTITY_CROP_SIZE = 192;
export const DEFAULT_IDENTITY_CROP_SCALE = 1.6;
/** Context crop i falls due at (i + phase) / count of the capture. */
export const CONTEXT_CROP_PHASE = 0.5;
/** Identity crop i falls due at (i + phase) / count of the capture. */
export const IDENTITY_CROP_PHASE = 0.25;

/** Time (ms since start) from which crop `index` of `count` spread over `durationMs` is due. */
export function cropDueAt(index: number, count: number, durationMs: number, phase: number): number {
  return ((index + phase) * durationMs) / count;
}

/** The face square (or the centre square, half the short side, without a face), in frame pixels [x, y, side]. */
export function faceSquare(face: boolean, box: ArrayLike<number>, w: number, h: number): Float32Array {
  const side = Math.min(w, h) / 2;
  return face ? squareCropBox(box, w, h, 1) : Float32Array.of((w - side) / 2, (h - side) / 2, side);
}

export interface ContextCropTaken {
  crop: ContextCrop;
  ready: Promise<void>;
  /** The face box in frame pixels, for the CNN. */
  facePx: PixelBox;
}

export interface CropRecorder {
  /** True when a context crop falls due on a frame at `t` with a face (it needs the full frame). */
  contextDue(t: number, face: boolean): boolean;
  /** True when an identity crop falls due on a frame at `t` with a face just sent for landmarks. */
  identityDue(t: number, face: boolean, dispatched: boolean): boolean;
  /** The aligned face crop: the square the server maps ROIs into; parts outside the frame stay black. */
  faceCrop(win: PixelWindow, face: boolean, box: ArrayLike<number>, w: number, h: number): Promise<Uint8Array>;
  /** The context crop due at `t`, if any (moves the schedule on even when the face is too small). */
  contextCrop(win: PixelWindow, faceBox: Float32Array, t: number, w: number, h: number): ContextCropTaken | null;
  /** Takes the identity candidate of the frame at epoch ms `at` (its landmarks arrive later). */
  takeIdentity(win: PixelWindow, box: ArrayLike<number>, at: number, t: number, w: number, h: number): void;
  /** The candidate of frame `at` with its own landmarks, when they pass the gate; null otherwise. */
  settleIdentity(at: number, points: FlatLandmarks | null): PendingIdentity | null;
}

export function createCropRecorder(plan: CapturePlan, surfaces: Surfaces): CropRecorder {
  let faceCanvas: OffscreenCanvas | null = null;
  let contextCanvas: OffscreenCanvas | null = null;
  let identityCanvas: OffscreenCanvas | null = null;
  let nextContext = 0;
  let nextIdentity = 0;
  let candidate: { at: number; crop: IdentityCrop; ready: Promise<void>; w: number; h: number } | null = null;
  const identityCount = plan.identity_crops ?? 0;

  const contextDue = (t: number, face: boolean): boolean =>
    face && nextContext < plan.frame_count && t >= cropDueAt(nextContext, plan.frame_count, plan.duration_ms, CONTEXT_CROP_PHASE);

  return {
    contextDue,
    identityDue(t, face, dispatched) {
      if (!face || !dispatched || candidate || nextIdentity >= identityCount) return false;
      return t >= cropDueAt(nextIdentity, identityCount, plan.duration_ms, IDENTITY_CROP_PHASE);
    },
    faceCrop(win, face, box, w, h) {
      const size = plan.face_crop_size;
      faceCanvas = sizedCanvas(surfaces, faceCanvas, size, size);
      const cc = faceCanvas.getContext('2d')!;
      const sq = faceSquare(face, box, w, h);
      cc.fillStyle = '#000';
      cc.fillRect(0, 0, size, size);
      // Source rectangles reaching past the window are clipped with the destination scaled alike,
      // so parts outside the frame stay black.
      cc.drawImage(win.canvas, sq[0] - win.x, sq[1] - win.y, sq[2], sq[2], 0, 0, size, size);
      return encodeJpeg(faceCanvas, FACE_CROP_JPEG_QUALITY);
    },
    contextCrop(win, faceBox, t, w, h) {
      if (!contextDue(t, true)) return null;
      nextContext++;
      const facePx: PixelBox = { x: faceBox[0] * w, y: faceBox[1] * h, w: faceBox[2] * w, h: faceBox[3] * h };
      if (facePx.w < 1 || facePx.h < 1) return null;
      // Inside the picture: letterbox or pillarbox bars are not part of the scene (active-area.ts).
      const pixels = win.rgba ?? win.canvas.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, win.w, win.h).data;
      const area = detectActiveArea(pixels, win.w, win.h);
      const b = cropBoundsWithin(facePx, { x: area.x + win.x, y: area.y + win.y, w: area.w, h: area.h }, plan.context_crop_scale);
      const cs = plan.context_crop_size;
      contextCanvas = sizedCanvas(surfaces, contextCanvas, cs, cs);
      contextCanvas.getContext('2d')!.drawImage(win.canvas, b.left - win.x, b.top - win.y, b.right - b.left + 1, b.bottom - b.top + 1, 0, 0, cs, cs);
      const crop: ContextCrop = { t, box: normalisedCropBox(b, w, h), crop: new Uint8Array(0) };
      const ready = encodeJpeg(contextCanvas, CONTEXT_CROP_JPEG_QUALITY).then((bytes) => {
        crop.crop = bytes;
      });
      return { crop, ready, facePx };
    },
    takeIdentity(win, box, at, t, w, h) {
      const size = plan.identity_crop_size ?? DEFAULT_IDENTITY_CROP_SIZE;
      const r = identityCropRegion(box, w, h, plan.identity_crop_scale ?? DEFAULT_IDENTITY_CROP_SCALE);
      identityCanvas = sizedCanvas(surfaces, identityCanvas, size, size);
      const ic = identityCanvas.getContext('2d')!;
      ic.fillStyle = '#000';
      ic.fillRect(0, 0, size, size);
      ic.drawImage(win.canvas, r.x - win.x, r.y - win.y, r.side, r.side, 0, 0, size, size);
      const crop: IdentityCrop = { t, box: Float32Array.of(r.x / w, r.y / h, r.side / w, r.side / h), lm: new Uint16Array(0), crop: new Uint8Array(0) };
      const ready = encodeJpeg(identityCanvas, IDENTITY_CROP_JPEG_QUALITY).then((bytes) => {
        crop.crop = bytes;
      });
      candidate = { at, crop, ready, w, h };
    },
    settleIdentity(at, points) {
      const c = candidate;
      if (!c || c.at !== at) return null;
      candidate = null;
      if (!points || !identityFrameGate(points, c.w, c.h).ok) return null; // the next landmark frame tries again
      c.crop.lm = quantizeLandmarkSubset(points);
      nextIdentity++;
      return { crop: c.crop, ready: c.ready };
    },
  };
}
