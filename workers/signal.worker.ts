/**
 * Signal worker: the per-frame pipeline at the camera's full rate.
 * - receives camera frames by transfer (a transferred MediaStreamTrackProcessor stream of
 *   VideoFrames, or ImageBitmaps pushed one by one), never copies through the main thread;
 * - hands a frame to the landmarks worker (over a MessagePort) whenever it is idle and the
 *   cadence allows: landmarks run at the rate the device sustains, never queued;
 * - carries the latest landmarks to every frame for ROI means, skin counts, the face box and the
 *   aligned JPEG face crop (OffscreenCanvas.convertToBlob), so pulse samples keep the full rate;
 * - during a capture, records FrameRecords, cuts ~chunk_ms CaptureChunks, sends context crops to
 *   the CNN worker, and reports guidance status (face box, brightness, motion) to the page.
 */
import * as Comlink from 'comlink';
import type { LandmarksService } from './landmarks.worker.ts';
import type { CnnService, CnnScore } from './cnn.worker.ts';
import { computeFaceBox, squareCropBox } from './face/face-box.ts';
import type { FlatLandmarks } from './face/landmarks.ts';
import { quantizeLandmarkSubset } from './face/landmark-subset.ts';
import { computeRoiPolygons, createRoiPolygons, type RoiPolygons } from './face/roi-polygons.ts';
import { sampleRoiMeans } from './face/roi-sampling.ts';
import { encodeCaptureChunk, type CaptureChunk, type ContextCrop, type FrameRecord, type IdentityCrop } from './codec/index.ts';
import { identityCropRegion, identityFrameGate } from './face/identity-gate.ts';
import { createPulseEstimator, scoreLightChallenge, type LightChallengeResult, type PulseEstimator, type StreamingHeartRate } from './signal/index.ts';
import { normalisedCropBox, type PixelBox } from './cnn/index.ts';
import { cropBoundsWithin, detectActiveArea } from './face/active-area.ts';
import type { CapturePlan, LightChallengeStep, StageTimings } from './protocol/index.ts';

export type { StageTimings };

export interface CaptureStart {
  session_id: string;
  attempt_id: string;
  nonce: string;
  plan: CapturePlan;
  /** performance.timeOrigin + performance.now() of t = 0, shared with the light challenge. */
  start_epoch_ms: number;
  /**
   * The light-challenge schedule, when known at start (the page learns it just in time and hands
   * the revealed steps to stopCapture instead). Scored on the page's own traces.
   */
  light_schedule?: LightChallengeStep[] | null;
}

export interface PipelineInit {
  /** Expected camera rate, for drop detection. */
  camera_fps: number;
  /** Initial landmark cadence, detections per second. */
  landmark_hz: number;
  /** Minimum interval between status reports, ms (0: every frame). */
  status_every_ms: number;
  /** Include the 478 landmark points in status reports (the lab draws them). */
  status_points: boolean;
}

export interface PipelineStatus {
  /** Epoch ms of the frame. */
  at: number;
  width: number;
  height: number;
  face: boolean;
  /** Face box, normalised [x, y, w, h]. */
  box: [number, number, number, number] | null;
  /** Mean luma of the face skin (or of the whole frame without a face), 0..255. */
  brightness: number;
  /** Face-centre speed, frame widths per second. */
  motion: number;
  /** Latest ROI means [fR,fG,fB,lR,lG,lB,rR,rG,rB]. */
  roi: number[] | null;
  fps: number;
  landmark_hz: number;
  landmark_target_hz: number;
  dropped: number;
  recording: { t: number; frames: number; chunks: number } | null;
  points?: Float32Array | null;
  rois_px?: number[][];
}

export interface CaptureSummary {
  chunk_count: number;
  frames: number;
  landmark_frames: number;
  face_frames: number;
  dropped_frames: number;
  bytes: number;
  fps: number;
  landmark_hz: number;
  timings: StageTimings;
  cnn: CnnScore[];
  /** The page's own streaming pulse estimate (never trusted by the server). */
  heart_rate: StreamingHeartRate | null;
  /** The page's own light-challenge score, when there was a schedule. */
  light_challenge: LightChallengeResult | null;
}

export interface ChunkReady {
  seq: number;
  bytes: Uint8Array;
  frames: number;
}

type FrameSource = VideoFrame | ImageBitmap;

interface PendingFrame {
  record: FrameRecord;
  ready: Promise<void>;
  /** Source time key, to attach landmarks that arrive later. */
  key: number;
}

function nowEpoch(): number {
  return performance.timeOrigin + performance.now();
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Pixel bounds of the ROI polygons, clipped to the frame; null when empty. */
function polygonsBounds(polys: RoiPolygons, width: number, height: number): { x: number; y: number; w: number; h: number } | null {
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

async function jpeg(canvas: OffscreenCanvas, quality: number): Promise<Uint8Array> {
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
  return new Uint8Array(await blob.arrayBuffer());
}

/** A part of the frame as RGB: `canvas` holds frame pixels [x, x+w) x [y, y+h). */
interface PixelWindow {
  x: number;
  y: number;
  w: number;
  h: number;
  canvas: OffscreenCanvas;
  /** RGBA of the window when it was built in JS (the YUV path); null for the canvas path. */
  rgba: Uint8ClampedArray | null;
}

interface YuvCoefficients {
  yOff: number;
  yMul: number;
  rv: number;
  gu: number;
  gv: number;
  bu: number;
}

function yuvCoefficients(cs: VideoColorSpace | undefined): YuvCoefficients {
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
 * The YUV fast path: copy only `rect` of an I420/NV12 VideoFrame (no full-frame RGB conversion,
 * which costs ~3.5 ms a frame in software) and convert it to RGBA here. Returns null for other
 * formats; the caller then draws the whole frame to a canvas.
 */
async function yuvWindow(frame: VideoFrame, rect: { x: number; y: number; w: number; h: number }, scratch: { buf: Uint8Array; canvas: OffscreenCanvas | null }): Promise<PixelWindow | null> {
  const format = frame.format;
  if (format !== 'I420' && format !== 'NV12' && format !== 'I420A') return null;
  const vr = frame.visibleRect;
  if (!vr) return null;
  // Chroma is subsampled 2x2: the copied rectangle must start and end on even pixels. Snapping to
  // 16 px also keeps the window size steady, so its canvas is reused instead of reallocated.
  const x = Math.max(0, Math.floor(rect.x / 16) * 16);
  const y = Math.max(0, Math.floor(rect.y / 16) * 16);
  const x1 = Math.min(vr.width - (vr.width % 2), Math.ceil((rect.x + rect.w) / 16) * 16);
  const y1 = Math.min(vr.height - (vr.height % 2), Math.ceil((rect.y + rect.h) / 16) * 16);
  const w = x1 - x;
  const h = y1 - y;
  if (w < 2 || h < 2) return null;
  const copyRect = { x: vr.x + x, y: vr.y + y, width: w, height: h };
  const size = frame.allocationSize({ rect: copyRect });
  if (scratch.buf.length < size) scratch.buf = new Uint8Array(size);
  const layout = await frame.copyTo(scratch.buf, { rect: copyRect });
  const src = scratch.buf;
  const k = yuvCoefficients(frame.colorSpace);
  const rgba = new Uint8ClampedArray(w * h * 4);
  // Packed little-endian RGBA writes; chroma terms computed once per pixel pair.
  const out = new Uint32Array(rgba.buffer);
  const yP = layout[0];
  const uP = layout[1];
  const vP = format === 'NV12' ? null : layout[2];
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
  if (!scratch.canvas || scratch.canvas.width !== w || scratch.canvas.height !== h) scratch.canvas = new OffscreenCanvas(w, h);
  const canvas = scratch.canvas;
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, w, h), 0, 0);
  return { x, y, w, h, canvas, rgba };
}

function createSignalService() {
  let landmarks: Comlink.Remote<LandmarksService> | null = null;
  let cnn: Comlink.Remote<CnnService> | null = null;
  let onStatus: ((s: PipelineStatus) => void) | null = null;
  let onChunk: ((c: ChunkReady) => void) | null = null;
  let cfg: PipelineInit = { camera_fps: 30, landmark_hz: 10, status_every_ms: 100, status_points: false };
  // One full-frame draw per frame, then cheap blits and small read-backs from this canvas: every
  // drawImage from a VideoFrame converts the whole frame (measured 3.5 ms for one full draw plus
  // blits against 7.9 ms for two region draws from the frame).
  let canvas: OffscreenCanvas | null = null;
  let ctx: OffscreenCanvasRenderingContext2D | null = null;
  let yuvFastPath = true;
  const yuvScratch: { buf: Uint8Array; canvas: OffscreenCanvas | null } = { buf: new Uint8Array(0), canvas: null };
  let small: OffscreenCanvasRenderingContext2D | null = null;
  let cropCanvas: OffscreenCanvas | null = null;
  let contextCanvas: OffscreenCanvas | null = null;
  let stopped = false;
  let reader: ReadableStreamDefaultReader<VideoFrame> | null = null;
  let pushBusy = false;

  // Landmark state, carried between landmark frames.
  let lmBusy = false;
  let lmLastDispatch = -Infinity;
  let lmTargetHz = 10;
  let points: FlatLandmarks | null = null;
  let pointsAt = 0;
  let pointsSize = { w: 0, h: 0 };
  const polys: RoiPolygons = createRoiPolygons();
  const shifted: RoiPolygons = createRoiPolygons();
  let polysValid = false;
  const box = new Float32Array(4);
  let hasBox = false;
  let prevCentre: { x: number; y: number; at: number } | null = null;
  let motion = 0;
  let faceMissingSince = 0;
  const lmDone: number[] = [];

  // Frame-rate and drop tracking.
  let lastFrameTs = -1;
  let firstFrameTs = -1;
  let firstFrameEpoch = 0;
  let dropped = 0;
  let droppedWindow = 0;
  let windowStart = 0;
  let calmWindows = 0;
  const arrivals: number[] = [];
  let lastStatusAt = -Infinity;

  // Recording.
  let capture: CaptureStart | null = null;
  let pending: PendingFrame[] = [];
  let pendingContext: ContextCrop[] = [];
  // Identity crops: one candidate at a time, taken on a frame sent for landmarks and kept once
  // that frame's own landmarks pass the identity gate (frontal, eyes open, large enough).
  let identityCandidate: { at: number; crop: IdentityCrop; ready: Promise<void>; w: number; h: number } | null = null;
  let pendingIdentity: { crop: IdentityCrop; ready: Promise<void> }[] = [];
  let nextIdentityIdx = 0;
  let identityCanvas: OffscreenCanvas | null = null;
  let seq = 0;
  let boundary = 0;
  let totalBytes = 0;
  let recFrames = 0;
  let faceFrames = 0;
  let recLandmarkFrames = 0;
  let recDropped = 0;
  let nextContextIdx = 0;
  let cnnScores: CnnScore[] = [];
  let cnnPromises: Promise<unknown>[] = [];
  let pulse: PulseEstimator | null = null;
  let faceTimes: number[] = [];
  let faceRgb: number[] = [];
  let sendChain: Promise<void> = Promise.resolve();
  let sendError: unknown = null;
  const timings = { draw: [] as number[], roi: [] as number[], crop: [] as number[], lm: [] as number[], cnn: [] as number[], frame: [] as number[] };
  const keep = (arr: number[], v: number) => {
    arr.push(v);
    if (arr.length > 600) arr.shift();
  };

  function ensureCanvas(w: number, h: number): OffscreenCanvasRenderingContext2D {
    if (!canvas || canvas.width !== w || canvas.height !== h) {
      canvas = new OffscreenCanvas(w, h);
      ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      if (points) applyLandmarks(points, pointsAt, w, h);
    }
    return ctx!;
  }

  function applyLandmarks(p: FlatLandmarks | null, at: number, w: number, h: number): void {
    points = p;
    pointsAt = at;
    pointsSize = { w, h };
    if (p && computeFaceBox(p, box)) {
      hasBox = true;
      polysValid = computeRoiPolygons(p, w, h, polys);
      const c = { x: box[0] + box[2] / 2, y: box[1] + box[3] / 2, at };
      if (prevCentre && at > prevCentre.at) {
        const v = Math.hypot(c.x - prevCentre.x, c.y - prevCentre.y) / ((at - prevCentre.at) / 1000);
        motion = motion * 0.6 + v * 0.4;
      }
      prevCentre = c;
      faceMissingSince = 0;
    } else {
      points = null;
      hasBox = false;
      polysValid = false;
      prevCentre = null;
      motion = 0;
      if (!faceMissingSince) faceMissingSince = at;
    }
  }

  function dispatchLandmarks(source: FrameSource, at: number, w: number, h: number): boolean {
    if (!landmarks || lmBusy || at - lmLastDispatch < 1000 / lmTargetHz) return false;
    lmBusy = true;
    lmLastDispatch = at;
    const clone: VideoFrame | Promise<ImageBitmap> =
      typeof VideoFrame !== 'undefined' && source instanceof VideoFrame ? source.clone() : createImageBitmap(source as ImageBitmap);
    const lm = landmarks;
    Promise.resolve(clone)
      .then((frame) => lm.detect(Comlink.transfer(frame, [frame as Transferable]), at))
      .then((r) => {
        if (stopped || !r) return;
        keep(timings.lm, r.ms);
        lmDone.push(nowEpoch());
        // Results arrive out of order only if a later frame overtook: keep the newest.
        if (at < pointsAt) return;
        applyLandmarks(r.points, at, w, h);
        // Attach the points to the record of the frame they came from, if not yet sent.
        if (r.points && capture) {
          const rec = pending.find((p) => p.key === at);
          if (rec) {
            rec.record.lm = quantizeLandmarkSubset(r.points);
            recLandmarkFrames++;
          }
        }
        settleIdentityCandidate(at, r.points);
      })
      .catch(() => {})
      .finally(() => {
        lmBusy = false;
      });
    return true;
  }

  /** Keeps the identity candidate of frame `at` when its own landmarks pass the gate. */
  function settleIdentityCandidate(at: number, p: FlatLandmarks | null): void {
    const c = identityCandidate;
    if (!c || c.at !== at) return;
    identityCandidate = null;
    if (!capture || !p || !identityFrameGate(p, c.w, c.h).ok) return; // the next landmark frame tries again
    c.crop.lm = quantizeLandmarkSubset(p);
    pendingIdentity.push({ crop: c.crop, ready: c.ready });
    nextIdentityIdx++;
  }

  /** True when an identity crop falls due on a frame at `t` just sent for landmarks. */
  function identityDue(t: number, face: boolean, dispatched: boolean): boolean {
    const n = capture?.plan.identity_crops ?? 0;
    if (!capture || !face || !dispatched || identityCandidate || nextIdentityIdx >= n) return false;
    return t >= ((nextIdentityIdx + 0.25) * capture.plan.duration_ms) / n;
  }

  /** Takes the identity crop of this frame (its landmarks arrive later, see settleIdentityCandidate). */
  function takeIdentityCrop(win: PixelWindow, at: number, t: number, w: number, h: number): void {
    const plan = capture!.plan;
    const size = plan.identity_crop_size ?? 192;
    const r = identityCropRegion(box, w, h, plan.identity_crop_scale ?? 1.6);
    if (!identityCanvas || identityCanvas.width !== size) identityCanvas = new OffscreenCanvas(size, size);
    const ic = identityCanvas.getContext('2d')!;
    ic.fillStyle = '#000';
    ic.fillRect(0, 0, size, size);
    ic.drawImage(win.canvas, r.x - win.x, r.y - win.y, r.side, r.side, 0, 0, size, size);
    const crop: IdentityCrop = { t, box: Float32Array.of(r.x / w, r.y / h, r.side / w, r.side / h), lm: new Uint16Array(0), crop: new Uint8Array(0) };
    const ready = jpeg(identityCanvas, 0.92).then((bytes) => {
      crop.crop = bytes;
    });
    identityCandidate = { at, crop, ready, w, h };
  }

  function sampleRois(win: PixelWindow, w: number, h: number, roi: Float32Array, skin: Uint32Array): number {
    let lumaSum = 0;
    let lumaN = 0;
    const region = polysValid && pointsSize.w === w ? polygonsBounds(polys, w, h) : null;
    if (region) {
      let data: Uint8ClampedArray;
      let dw: number, dh: number, dx: number, dy: number;
      if (win.rgba) {
        // The window already holds RGBA: sample it in place.
        data = win.rgba;
        dw = win.w;
        dh = win.h;
        dx = win.x;
        dy = win.y;
      } else {
        // Read back only the face region of the full-frame canvas.
        data = win.canvas.getContext('2d', { willReadFrequently: true })!.getImageData(region.x, region.y, region.w, region.h).data;
        dw = region.w;
        dh = region.h;
        dx = region.x;
        dy = region.y;
      }
      for (let r = 0; r < 3; r++) {
        const src = polys[r], dst = shifted[r];
        for (let i = 0; i < src.length; i += 2) {
          dst[i] = src[i] - dx;
          dst[i + 1] = src[i + 1] - dy;
        }
      }
      sampleRoiMeans(data, dw, dh, shifted, roi, skin);
      for (let r = 0; r < 3; r++) {
        const n = skin[r];
        lumaSum += (0.299 * roi[3 * r] + 0.587 * roi[3 * r + 1] + 0.114 * roi[3 * r + 2]) * n;
        lumaN += n;
      }
    }
    if (lumaN === 0) {
      // No face (or no skin): the brightness of what the window shows, from a tiny downscale.
      if (!small) small = new OffscreenCanvas(32, 24).getContext('2d', { willReadFrequently: true })!;
      small.drawImage(win.canvas, 0, 0, 32, 24);
      const d = small.getImageData(0, 0, 32, 24).data;
      for (let i = 0; i < d.length; i += 4) {
        lumaSum += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
        lumaN++;
      }
    }
    return lumaSum / Math.max(1, lumaN);
  }

  /** The face square (or the centre square without a face), in frame pixels. */
  function faceSquare(face: boolean, w: number, h: number): Float32Array {
    return face ? squareCropBox(box, w, h, 1) : Float32Array.of((w - Math.min(w, h) / 2) / 2, (h - Math.min(w, h) / 2) / 2, Math.min(w, h) / 2);
  }

  /** Draw the whole frame into the full-frame canvas (the general path). */
  function fullWindow(source: FrameSource, w: number, h: number): PixelWindow {
    const c = ensureCanvas(w, h);
    c.drawImage(source, 0, 0, w, h);
    return { x: 0, y: 0, w, h, canvas: c.canvas as OffscreenCanvas, rgba: null };
  }

  /** True when a context crop falls due on a frame at `t` (it needs the full frame). */
  function contextDue(t: number, face: boolean): boolean {
    if (!capture || !face) return false;
    const plan = capture.plan;
    return nextContextIdx < plan.frame_count && t >= ((nextContextIdx + 0.5) * plan.duration_ms) / plan.frame_count;
  }

  function trackRate(source: FrameSource, at: number): void {
    const ts = typeof VideoFrame !== 'undefined' && source instanceof VideoFrame ? source.timestamp / 1000 : at;
    if (firstFrameTs < 0) {
      firstFrameTs = ts;
      firstFrameEpoch = at;
      windowStart = at;
    }
    if (lastFrameTs >= 0) {
      const expected = 1000 / cfg.camera_fps;
      const gap = ts - lastFrameTs;
      if (gap > expected * 1.5) {
        const missed = Math.round(gap / expected) - 1;
        dropped += missed;
        droppedWindow += missed;
        if (capture) recDropped += missed;
      }
    }
    lastFrameTs = ts;
    arrivals.push(at);
    while (arrivals.length && arrivals[0] < at - 2000) arrivals.shift();
    while (lmDone.length && lmDone[0] < at - 2000) lmDone.shift();
    // Adapt the landmark cadence once a second: back off when frames drop, creep up when calm.
    if (at - windowStart >= 1000) {
      if (droppedWindow > 0) {
        lmTargetHz = Math.max(2, lmTargetHz * 0.75);
        calmWindows = 0;
      } else if (++calmWindows >= 3) {
        lmTargetHz = Math.min(cfg.camera_fps, lmTargetHz * 1.15);
        calmWindows = 0;
      }
      droppedWindow = 0;
      windowStart = at;
    }
  }

  function frameTime(source: FrameSource, at: number): number {
    // Camera timestamps are steadier than arrival times; anchor them to the first arrival.
    if (typeof VideoFrame !== 'undefined' && source instanceof VideoFrame && firstFrameTs >= 0) return firstFrameEpoch + (source.timestamp / 1000 - firstFrameTs);
    return at;
  }

  function currentFps(): number {
    if (arrivals.length < 2) return 0;
    return ((arrivals.length - 1) * 1000) / (arrivals[arrivals.length - 1] - arrivals[0]);
  }

  async function processFrame(source: FrameSource, arrival: number): Promise<void> {
    const f0 = performance.now();
    try {
      trackRate(source, arrival);
      const at = frameTime(source, arrival);
      const w = 'displayWidth' in source ? source.displayWidth : source.width;
      const h = 'displayHeight' in source ? source.displayHeight : source.height;
      const lmDispatched = dispatchLandmarks(source, at, w, h);
      if (points && (pointsSize.w !== w || pointsSize.h !== h)) applyLandmarks(points, pointsAt, w, h);
      const faceNow = hasBox && at - pointsAt < 1500;
      const t = capture ? at - capture.start_epoch_ms : -1;
      const d0 = performance.now();
      // Only the face square is needed, except on the frames that also give a context crop.
      let win: PixelWindow | null = null;
      const identityNow = identityDue(t, faceNow, lmDispatched);
      if (!contextDue(t, faceNow) && !identityNow && typeof VideoFrame !== 'undefined' && source instanceof VideoFrame && yuvFastPath) {
        const sq = faceSquare(faceNow, w, h);
        win = await yuvWindow(source, { x: sq[0], y: sq[1], w: sq[2], h: sq[2] }, yuvScratch).catch(() => {
          yuvFastPath = false; // e.g. a format copyTo refuses here: use the canvas from now on
          return null;
        });
      }
      win ??= fullWindow(source, w, h);
      keep(timings.draw, performance.now() - d0);
      const r0 = performance.now();
      const roi = new Float32Array(9);
      const skin = new Uint32Array(3);
      const luma = sampleRois(win, w, h, roi, skin);
      keep(timings.roi, performance.now() - r0);

      if (capture && t >= 0 && t <= capture.plan.duration_ms) {
        if (identityNow) takeIdentityCrop(win, at, t, w, h);
        record(source, win, t, at, w, h, roi, skin, faceNow);
      }

      if (onStatus && at - lastStatusAt >= cfg.status_every_ms) {
        lastStatusAt = at;
        const status: PipelineStatus = {
          at,
          width: w,
          height: h,
          face: faceNow,
          box: faceNow ? [box[0], box[1], box[2], box[3]] : null,
          brightness: luma,
          motion,
          roi: faceNow ? Array.from(roi) : null,
          fps: currentFps(),
          landmark_hz: lmDone.length / 2,
          landmark_target_hz: lmTargetHz,
          dropped,
          recording: capture ? { t: at - capture.start_epoch_ms, frames: recFrames, chunks: seq } : null,
        };
        if (cfg.status_points) {
          status.points = faceNow && points ? points.slice() : null;
          status.rois_px = faceNow && polysValid ? polys.map((p) => Array.from(p)) : [];
        }
        onStatus(status);
      }
    } finally {
      source.close();
      keep(timings.frame, performance.now() - f0);
    }
  }

  function record(source: FrameSource, win: PixelWindow, t: number, at: number, w: number, h: number, roi: Float32Array, skin: Uint32Array, face: boolean): void {
    const plan = capture!.plan;
    recFrames++;
    if (face) faceFrames++;
    const faceBox = face ? Float32Array.from(box) : new Float32Array(4);
    const rec: FrameRecord = { t, lm: null, roi, skin, box: faceBox, crop: new Uint8Array(0) };
    if (face && skin[0] + skin[1] + skin[2] > 0) {
      pulse?.push(t, roi);
      faceTimes.push(t);
      // Skin-weighted face mean, for the page's own light-challenge score.
      const n = skin[0] + skin[1] + skin[2];
      for (let c = 0; c < 3; c++) faceRgb.push((roi[c] * skin[0] + roi[3 + c] * skin[1] + roi[6 + c] * skin[2]) / n);
    }
    // The aligned face crop: the same square the server maps ROIs into (workers/face
    // squareCropBox, scale 1; parts outside the frame stay black). The centre square without a face.
    const size = plan.face_crop_size;
    if (!cropCanvas || cropCanvas.width !== size) cropCanvas = new OffscreenCanvas(size, size);
    const cc = cropCanvas.getContext('2d')!;
    const sq = faceSquare(face, w, h);
    cc.fillStyle = '#000';
    cc.fillRect(0, 0, size, size);
    // Source rectangles reaching past the window are clipped with the destination scaled alike,
    // so parts outside the frame stay black.
    cc.drawImage(win.canvas, sq[0] - win.x, sq[1] - win.y, sq[2], sq[2], 0, 0, size, size);
    const c0 = performance.now();
    const rec0 = rec;
    let ready = jpeg(cropCanvas, 0.85).then((bytes) => {
      rec0.crop = bytes;
      keep(timings.crop, performance.now() - c0);
    });

    // Context crops for the CNN, spread evenly over the capture.
    const due = ((nextContextIdx + 0.5) * plan.duration_ms) / plan.frame_count;
    if (face && nextContextIdx < plan.frame_count && t >= due) {
      nextContextIdx++;
      const facePx: PixelBox = { x: faceBox[0] * w, y: faceBox[1] * h, w: faceBox[2] * w, h: faceBox[3] * h };
      if (facePx.w >= 1 && facePx.h >= 1) {
        // Inside the picture: letterbox or pillarbox bars are not part of the scene (active-area.ts).
        const pixels = win.rgba ?? win.canvas.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, win.w, win.h).data;
        const area = detectActiveArea(pixels, win.w, win.h);
        const b = cropBoundsWithin(facePx, { x: area.x + win.x, y: area.y + win.y, w: area.w, h: area.h }, plan.context_crop_scale);
        const cs = plan.context_crop_size;
        if (!contextCanvas || contextCanvas.width !== cs) contextCanvas = new OffscreenCanvas(cs, cs);
        contextCanvas.getContext('2d')!.drawImage(win.canvas, b.left - win.x, b.top - win.y, b.right - b.left + 1, b.bottom - b.top + 1, 0, 0, cs, cs);
        const crop: ContextCrop = { t, box: normalisedCropBox(b, w, h), crop: new Uint8Array(0) };
        pendingContext.push(crop);
        const cready = jpeg(contextCanvas, 0.9).then((bytes) => {
          crop.crop = bytes;
        });
        ready = Promise.all([ready, cready]).then(() => {});
        if (cnn) {
          const remote = cnn;
          cnnPromises.push(
            createImageBitmap(source)
              .then((bmp) => remote.score(Comlink.transfer(bmp, [bmp]), facePx, t))
              .then((sc) => {
                if (sc) {
                  cnnScores.push(sc);
                  keep(timings.cnn, sc.ms);
                }
              })
              .catch(() => {}),
          );
        }
      }
    }
    pending.push({ record: rec, ready, key: at });
    // Cut chunks a little behind the newest frame so late landmarks can still attach.
    cutChunks(t - 250);
  }

  /** Emit every whole chunk whose window ends before `upTo` (ms since start); Infinity flushes. */
  function cutChunks(upTo: number): void {
    if (!capture) return;
    const plan = capture.plan;
    for (;;) {
      if (pending.length === 0) return;
      const end = upTo === Infinity ? Infinity : boundary + plan.chunk_ms;
      if (end !== Infinity && end > upTo) return;
      let n = pending.findIndex((p) => p.record.t >= end);
      if (n === -1) n = pending.length;
      boundary = end === Infinity ? boundary : end;
      if (n === 0) continue; // a window with no frames: sequence numbers stay contiguous
      n = Math.min(n, plan.max_frames_per_chunk);
      const batch = pending.splice(0, n);
      const last = batch[batch.length - 1].record.t;
      const ctxCrops = pendingContext.filter((c) => c.t <= last);
      pendingContext = pendingContext.filter((c) => c.t > last);
      const idCrops = pendingIdentity.splice(0, capture.plan.identity_crops ?? 0);
      const mySeq = seq++;
      const cap = capture;
      sendChain = sendChain.then(() => emitChunk(cap, mySeq, batch, ctxCrops, idCrops)).catch((err) => {
        sendError = err;
      });
    }
  }

  async function emitChunk(cap: CaptureStart, mySeq: number, batch: PendingFrame[], ctxCrops: ContextCrop[], idCrops: { crop: IdentityCrop; ready: Promise<void> }[] = []): Promise<void> {
    await Promise.all([...batch.map((p) => p.ready), ...idCrops.map((c) => c.ready)]);
    const identity = idCrops.map((c) => c.crop).filter((c) => c.crop.length > 0);
    const chunk: CaptureChunk = {
      v: 1,
      session_id: cap.session_id,
      attempt_id: cap.attempt_id,
      nonce: cap.nonce,
      seq: mySeq,
      frames: batch.map((p) => p.record),
      context: ctxCrops,
      ...(identity.length ? { identity } : {}),
    };
    const bytes = encodeCaptureChunk(chunk, { limits: { maxBytes: cap.plan.max_chunk_bytes, maxFrames: cap.plan.max_frames_per_chunk } });
    totalBytes += bytes.byteLength;
    onChunk?.(Comlink.transfer({ seq: mySeq, bytes, frames: batch.length }, [bytes.buffer as ArrayBuffer]));
  }

  async function pump(r: ReadableStreamDefaultReader<VideoFrame>): Promise<void> {
    for (;;) {
      const { value, done } = await r.read().catch(() => ({ value: undefined, done: true as const }));
      if (done || stopped) {
        value?.close();
        break;
      }
      // The track processor drops frames itself while this loop is busy: no queue builds up.
      await processFrame(value, nowEpoch()).catch(() => {});
    }
  }

  const api = {
    init(opts: PipelineInit, ports: { landmarks?: MessagePort; cnn?: MessagePort }, status?: (s: PipelineStatus) => void, chunk?: (c: ChunkReady) => void): void {
      cfg = opts;
      lmTargetHz = opts.landmark_hz;
      if (ports.landmarks) landmarks = Comlink.wrap<LandmarksService>(ports.landmarks);
      if (ports.cnn) cnn = Comlink.wrap<CnnService>(ports.cnn);
      onStatus = status ?? null;
      onChunk = chunk ?? null;
    },

    setLandmarkHz(hz: number): void {
      lmTargetHz = hz;
    },

    /** Consume a transferred MediaStreamTrackProcessor stream until it ends or close(). */
    attachStream(stream: ReadableStream<VideoFrame>): void {
      reader = stream.getReader();
      void pump(reader);
    },

    /** Fallback path: one ImageBitmap. Returns false (and drops it) when still busy. */
    async pushFrame(frame: ImageBitmap): Promise<boolean> {
      if (pushBusy || stopped) {
        frame.close();
        return false;
      }
      pushBusy = true;
      try {
        await processFrame(frame, nowEpoch());
        return true;
      } finally {
        pushBusy = false;
      }
    },

    startCapture(start: CaptureStart): void {
      capture = start;
      pending = [];
      pendingContext = [];
      seq = 0;
      boundary = 0;
      totalBytes = 0;
      recFrames = 0;
      faceFrames = 0;
      recLandmarkFrames = 0;
      recDropped = 0;
      nextContextIdx = 0;
      identityCandidate = null;
      pendingIdentity = [];
      nextIdentityIdx = 0;
      cnnScores = [];
      cnnPromises = [];
      faceTimes = [];
      faceRgb = [];
      sendError = null;
      pulse = createPulseEstimator({ sampleRate: 30, rois: 3, minSeconds: Math.min(6, start.plan.duration_ms / 1000 - 0.5), windowSeconds: Math.max(6, start.plan.duration_ms / 1000) });
    },

    /** End the capture: flush the last chunks and wait for them and the CNN. */
    async stopCapture(revealedSchedule: LightChallengeStep[] | null = null): Promise<CaptureSummary | null> {
      if (!capture) return null;
      const cap = capture;
      const schedule = revealedSchedule?.length ? revealedSchedule : cap.light_schedule;
      cutChunks(Infinity);
      await sendChain;
      await Promise.all(cnnPromises);
      if (sendError) throw sendError;
      let heartRate: StreamingHeartRate | null = null;
      try {
        heartRate = pulse?.estimate() ?? null;
      } catch {
        heartRate = null;
      }
      let light: LightChallengeResult | null = null;
      if (schedule?.length) {
        try {
          light = scoreLightChallenge(schedule, faceTimes, faceRgb);
        } catch {
          light = null;
        }
      }
      const summary: CaptureSummary = {
        chunk_count: seq,
        frames: recFrames,
        landmark_frames: recLandmarkFrames,
        face_frames: faceFrames,
        dropped_frames: recDropped,
        bytes: totalBytes,
        fps: currentFps(),
        landmark_hz: lmDone.length / 2,
        timings: api.timings(),
        cnn: cnnScores,
        heart_rate: heartRate,
        light_challenge: light,
      };
      capture = null;
      return summary;
    },

    /** Abandon a capture without sending anything more. */
    abortCapture(): void {
      capture = null;
      pending = [];
      pendingContext = [];
      pendingIdentity = [];
      identityCandidate = null;
    },

    timings(): StageTimings {
      return {
        draw_ms: median(timings.draw),
        roi_ms: median(timings.roi),
        crop_ms: median(timings.crop),
        landmarks_ms: median(timings.lm),
        cnn_ms: median(timings.cnn),
        frame_ms: median(timings.frame),
      };
    },

    faceMissingFor(): number {
      return faceMissingSince ? nowEpoch() - faceMissingSince : 0;
    },

    async close(): Promise<void> {
      stopped = true;
      capture = null;
      await reader?.cancel().catch(() => {});
      reader = null;
      landmarks?.[Comlink.releaseProxy]();
      cnn?.[Comlink.releaseProxy]();
      landmarks = null;
      cnn = null;
    },
  };
  return api;
}

export type SignalService = ReturnType<typeof createSignalService>;

Comlink.expose(createSignalService());
