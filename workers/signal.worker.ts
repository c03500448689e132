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
import { encode as encodeCbor } from 'cbor-x';
import type { LandmarksService } from './landmarks.worker.ts';
import type { CnnService, CnnScore } from './cnn.worker.ts';
import { FOREHEAD_POLYGON, LEFT_CHEEK_POLYGON, RIGHT_CHEEK_POLYGON } from './face/landmark-indices.ts';
import { computeCropBounds, normalisedCropBox, type PixelBox } from './cnn/index.ts';

export interface CapturePlan {
  duration_ms: number;
  fps: number;
  chunk_ms: number;
  face_crop_size: number;
  context_crop_size: number;
  context_crop_scale: number;
  frame_count: number;
  max_chunk_bytes: number;
  max_total_bytes: number;
  max_frames_per_chunk: number;
}

export interface CaptureStart {
  session_id: string;
  attempt_id: string;
  nonce: string;
  plan: CapturePlan;
  /** performance.timeOrigin + performance.now() of t = 0, shared with the light challenge. */
  start_epoch_ms: number;
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

export interface StageTimings {
  draw_ms: number;
  roi_ms: number;
  crop_ms: number;
  landmarks_ms: number;
  cnn_ms: number;
  frame_ms: number;
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
  /** ROI traces (mean of the three ROIs per frame) with timestamps, for the page's own estimate. */
  trace: { t: number[]; rgb: number[] };
}

export interface ChunkReady {
  seq: number;
  bytes: Uint8Array;
  frames: number;
}

type FrameSource = VideoFrame | ImageBitmap;

interface FrameRecord {
  t: number;
  lm: Uint16Array | null;
  roi: Float32Array;
  skin: Uint32Array;
  box: Float32Array;
  crop: Uint8Array;
}

interface ContextCrop {
  t: number;
  box: Float32Array;
  crop: Uint8Array;
}

interface PendingFrame {
  record: FrameRecord;
  ready: Promise<void>;
  /** Source time key, to attach landmarks that arrive later. */
  key: number;
}

const ROI_POLYGONS = [FOREHEAD_POLYGON, LEFT_CHEEK_POLYGON, RIGHT_CHEEK_POLYGON];

// A compact subset for the wire: face oval corners, eyes, nose, mouth, forehead/cheek anchors.
// Replaced by workers/face LANDMARK_SUBSET when that module lands.
const WIRE_SUBSET: readonly number[] = [
  10, 152, 234, 454, 1, 33, 133, 263, 362, 61, 291, 159, 145, 386, 374, 67, 297, 117, 346, 205, 425,
];

function nowEpoch(): number {
  return performance.timeOrigin + performance.now();
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function pointInPolygon(x: number, y: number, poly: number[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 2; i < poly.length; j = i, i += 2) {
    const xi = poly[i], yi = poly[i + 1], xj = poly[j], yj = poly[j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Kovac et al. RGB skin rule (daylight): cheap and good enough for a skin-pixel count. */
function isSkin(r: number, g: number, b: number): boolean {
  return r > 60 && g > 30 && b > 15 && r > g && r > b && r - Math.min(g, b) > 10 && Math.abs(r - g) > 8;
}

interface RoiMask {
  x: number;
  y: number;
  w: number;
  h: number;
  mask: Uint8Array;
}

function buildMasks(points: Float32Array, width: number, height: number): { masks: RoiMask[]; polys: number[][] } {
  const masks: RoiMask[] = [];
  const polys: number[][] = [];
  for (const idx of ROI_POLYGONS) {
    const poly: number[] = [];
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const i of idx) {
      const x = points[2 * i] * width;
      const y = points[2 * i + 1] * height;
      poly.push(x, y);
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
    }
    polys.push(poly);
    const x = Math.max(0, Math.floor(x0));
    const y = Math.max(0, Math.floor(y0));
    const w = Math.max(1, Math.min(width, Math.ceil(x1)) - x);
    const h = Math.max(1, Math.min(height, Math.ceil(y1)) - y);
    const mask = new Uint8Array(w * h);
    for (let yy = 0; yy < h; yy++) for (let xx = 0; xx < w; xx++) mask[yy * w + xx] = pointInPolygon(x + xx + 0.5, y + yy + 0.5, poly) ? 1 : 0;
    masks.push({ x, y, w, h, mask });
  }
  return { masks, polys };
}

function landmarkBox(points: Float32Array): [number, number, number, number] {
  let x0 = 1, y0 = 1, x1 = 0, y1 = 0;
  for (let i = 0; i < points.length; i += 2) {
    x0 = Math.min(x0, points[i]); x1 = Math.max(x1, points[i]);
    y0 = Math.min(y0, points[i + 1]); y1 = Math.max(y1, points[i + 1]);
  }
  x0 = Math.max(0, x0); y0 = Math.max(0, y0); x1 = Math.min(1, x1); y1 = Math.min(1, y1);
  return [x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0)];
}

function quantise(points: Float32Array): Uint16Array {
  const out = new Uint16Array(WIRE_SUBSET.length * 2);
  for (let k = 0; k < WIRE_SUBSET.length; k++) {
    const i = WIRE_SUBSET[k];
    out[2 * k] = Math.round(Math.min(1, Math.max(0, points[2 * i])) * 65535);
    out[2 * k + 1] = Math.round(Math.min(1, Math.max(0, points[2 * i + 1])) * 65535);
  }
  return out;
}

function squareAround(box: [number, number, number, number], width: number, height: number): PixelBox {
  const side = Math.min(width, height, Math.max(box[2] * width, box[3] * height) * 1.1);
  let x = (box[0] + box[2] / 2) * width - side / 2;
  let y = (box[1] + box[3] / 2) * height - side / 2;
  x = Math.min(Math.max(0, x), width - side);
  y = Math.min(Math.max(0, y), height - side);
  return { x, y, w: side, h: side };
}

async function jpeg(canvas: OffscreenCanvas, quality: number): Promise<Uint8Array> {
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
  return new Uint8Array(await blob.arrayBuffer());
}

function createSignalService() {
  let landmarks: Comlink.Remote<LandmarksService> | null = null;
  let cnn: Comlink.Remote<CnnService> | null = null;
  let onStatus: ((s: PipelineStatus) => void) | null = null;
  let onChunk: ((c: ChunkReady) => void) | null = null;
  let cfg: PipelineInit = { camera_fps: 30, landmark_hz: 10, status_every_ms: 100, status_points: false };
  let canvas: OffscreenCanvas | null = null;
  let ctx: OffscreenCanvasRenderingContext2D | null = null;
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
  let points: Float32Array | null = null;
  let pointsAt = 0;
  let masks: RoiMask[] = [];
  let polys: number[][] = [];
  let box: [number, number, number, number] | null = null;
  let prevCentre: { x: number; y: number; at: number } | null = null;
  let motion = 0;
  let faceMissingSince = 0;
  const lmDone: number[] = [];
  let landmarkFrames = 0;

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
  let seq = 0;
  let totalBytes = 0;
  let recFrames = 0;
  let faceFrames = 0;
  let recLandmarkFrames = 0;
  let nextContextIdx = 0;
  let cnnScores: CnnScore[] = [];
  let cnnPromises: Promise<unknown>[] = [];
  let trace = { t: [] as number[], rgb: [] as number[] };
  let sendChain: Promise<void> = Promise.resolve();
  const timings = { draw: [] as number[], roi: [] as number[], crop: [] as number[], lm: [] as number[], cnn: [] as number[], frame: [] as number[] };
  const keep = (arr: number[], v: number) => {
    arr.push(v);
    if (arr.length > 600) arr.shift();
  };

  function ensureCanvas(w: number, h: number): OffscreenCanvasRenderingContext2D {
    if (!canvas || canvas.width !== w || canvas.height !== h) {
      canvas = new OffscreenCanvas(w, h);
      ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      masks = [];
      if (points) ({ masks, polys } = buildMasks(points, w, h));
    }
    return ctx!;
  }

  function applyLandmarks(p: Float32Array | null, at: number, w: number, h: number): void {
    points = p;
    pointsAt = at;
    if (p) {
      ({ masks, polys } = buildMasks(p, w, h));
      box = landmarkBox(p);
      const c = { x: box[0] + box[2] / 2, y: box[1] + box[3] / 2, at };
      if (prevCentre && at > prevCentre.at) {
        const v = Math.hypot(c.x - prevCentre.x, c.y - prevCentre.y) / ((at - prevCentre.at) / 1000);
        motion = motion * 0.6 + v * 0.4;
      }
      prevCentre = c;
      faceMissingSince = 0;
    } else {
      masks = [];
      polys = [];
      box = null;
      prevCentre = null;
      motion = 0;
      if (!faceMissingSince) faceMissingSince = at;
    }
  }

  function dispatchLandmarks(source: FrameSource, at: number, key: number, w: number, h: number): void {
    if (!landmarks || lmBusy || at - lmLastDispatch < 1000 / lmTargetHz) return;
    lmBusy = true;
    lmLastDispatch = at;
    let clone: VideoFrame | Promise<ImageBitmap>;
    if (typeof VideoFrame !== 'undefined' && source instanceof VideoFrame) clone = source.clone();
    else clone = createImageBitmap(source as ImageBitmap);
    const lm = landmarks;
    Promise.resolve(clone)
      .then((frame) => lm.detect(Comlink.transfer(frame, [frame as Transferable]), at))
      .then((r) => {
        if (stopped || !r) return;
        keep(timings.lm, r.ms);
        lmDone.push(nowEpoch());
        landmarkFrames++;
        applyLandmarks(r.points, at, w, h);
        // Attach the points to the record of the frame they came from, if still pending.
        if (r.points && capture) {
          const rec = pending.find((p) => p.key === key);
          if (rec) {
            rec.record.lm = quantise(r.points);
            recLandmarkFrames++;
          }
        }
      })
      .catch(() => {})
      .finally(() => {
        lmBusy = false;
      });
  }

  function sampleRois(c: OffscreenCanvasRenderingContext2D, w: number, h: number): { roi: Float32Array; skin: Uint32Array; luma: number } {
    const roi = new Float32Array(9);
    const skin = new Uint32Array(3);
    let lumaSum = 0;
    let lumaN = 0;
    if (masks.length === 3) {
      for (let k = 0; k < 3; k++) {
        const m = masks[k];
        if (m.x >= w || m.y >= h) continue;
        const data = c.getImageData(m.x, m.y, m.w, m.h).data;
        let r = 0, g = 0, b = 0, n = 0, sr = 0, sg = 0, sb = 0, s = 0;
        for (let i = 0; i < m.mask.length; i++) {
          if (!m.mask[i]) continue;
          const o = i * 4;
          const pr = data[o], pg = data[o + 1], pb = data[o + 2];
          r += pr; g += pg; b += pb; n++;
          if (isSkin(pr, pg, pb)) { sr += pr; sg += pg; sb += pb; s++; }
        }
        // Mean over skin pixels when there are enough, else over the whole polygon.
        const useSkin = s >= Math.max(8, n * 0.2);
        const cnt = useSkin ? s : n;
        if (cnt > 0) {
          roi[3 * k] = (useSkin ? sr : r) / cnt;
          roi[3 * k + 1] = (useSkin ? sg : g) / cnt;
          roi[3 * k + 2] = (useSkin ? sb : b) / cnt;
          lumaSum += (0.299 * roi[3 * k] + 0.587 * roi[3 * k + 1] + 0.114 * roi[3 * k + 2]) * cnt;
          lumaN += cnt;
        }
        skin[k] = s;
      }
    }
    if (lumaN === 0) {
      // No face: the whole frame's brightness, from a tiny downscale.
      if (!small) small = new OffscreenCanvas(32, 24).getContext('2d', { willReadFrequently: true })!;
      small.drawImage(c.canvas, 0, 0, 32, 24);
      const d = small.getImageData(0, 0, 32, 24).data;
      for (let i = 0; i < d.length; i += 4) { lumaSum += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]; lumaN++; }
    }
    return { roi, skin, luma: lumaSum / Math.max(1, lumaN) };
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
      dispatchLandmarks(source, at, at, w, h);
      const c = ensureCanvas(w, h);
      const d0 = performance.now();
      c.drawImage(source, 0, 0, w, h);
      keep(timings.draw, performance.now() - d0);
      const r0 = performance.now();
      const { roi, skin, luma } = sampleRois(c, w, h);
      keep(timings.roi, performance.now() - r0);
      const faceNow = box !== null && at - pointsAt < 1500;

      if (capture) {
        const t = at - capture.start_epoch_ms;
        if (t >= 0 && t <= capture.plan.duration_ms) await record(source, t, at, w, h, roi, skin, faceNow);
        else if (t > capture.plan.duration_ms) cutChunks(Infinity);
      }

      if (onStatus && at - lastStatusAt >= cfg.status_every_ms) {
        lastStatusAt = at;
        const status: PipelineStatus = {
          at,
          width: w,
          height: h,
          face: faceNow,
          box: faceNow ? box : null,
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
          status.rois_px = faceNow ? polys : [];
        }
        onStatus(status);
      }
    } finally {
      source.close();
      keep(timings.frame, performance.now() - f0);
    }
  }

  async function record(source: FrameSource, t: number, at: number, w: number, h: number, roi: Float32Array, skin: Uint32Array, face: boolean): Promise<void> {
    const plan = capture!.plan;
    recFrames++;
    if (face) faceFrames++;
    const faceBox = face && box ? box : null;
    const rec: FrameRecord = {
      t,
      lm: null,
      roi,
      skin,
      box: Float32Array.from(faceBox ?? [0, 0, 0, 0]),
      crop: new Uint8Array(0),
    };
    if (face) {
      const m = (roi[0] + roi[3] + roi[6]) / 3;
      trace.t.push(t);
      trace.rgb.push((roi[0] + roi[3] + roi[6]) / 3, (roi[1] + roi[4] + roi[7]) / 3, (roi[2] + roi[5] + roi[8]) / 3);
      void m;
    }
    // Aligned face crop (or the centre square when the face is lost), JPEG in this worker.
    const sq = squareAround(faceBox ?? [0.25, 0.25, 0.5, 0.5], w, h);
    const size = plan.face_crop_size;
    if (!cropCanvas || cropCanvas.width !== size) cropCanvas = new OffscreenCanvas(size, size);
    const cc = cropCanvas.getContext('2d')!;
    cc.drawImage(canvas!, sq.x, sq.y, sq.w, sq.h, 0, 0, size, size);
    const c0 = performance.now();
    const ready = jpeg(cropCanvas, 0.85).then((bytes) => {
      rec.crop = bytes;
      keep(timings.crop, performance.now() - c0);
    });
    pending.push({ record: rec, ready, key: at });

    // Context crops for the CNN, spread evenly over the capture.
    const due = ((nextContextIdx + 0.5) * plan.duration_ms) / plan.frame_count;
    if (face && faceBox && nextContextIdx < plan.frame_count && t >= due) {
      nextContextIdx++;
      const facePx: PixelBox = { x: faceBox[0] * w, y: faceBox[1] * h, w: faceBox[2] * w, h: faceBox[3] * h };
      const b = computeCropBounds(facePx, w, h, plan.context_crop_scale);
      const cs = plan.context_crop_size;
      if (!contextCanvas || contextCanvas.width !== cs) contextCanvas = new OffscreenCanvas(cs, cs);
      contextCanvas.getContext('2d')!.drawImage(canvas!, b.left, b.top, b.right - b.left + 1, b.bottom - b.top + 1, 0, 0, cs, cs);
      const crop: ContextCrop = { t, box: normalisedCropBox(b, w, h), crop: new Uint8Array(0) };
      pendingContext.push(crop);
      const cready = jpeg(contextCanvas, 0.9).then((bytes) => {
        crop.crop = bytes;
      });
      pending[pending.length - 1].ready = Promise.all([ready, cready]).then(() => {});
      if (cnn) {
        const c = cnn;
        const p = createImageBitmap(source)
          .then((bmp) => c.score(Comlink.transfer(bmp, [bmp]), facePx, t))
          .then((s) => {
            if (s) {
              cnnScores.push(s);
              keep(timings.cnn, s.ms);
            }
          })
          .catch(() => {});
        cnnPromises.push(p);
      }
    }
    // Cut chunks for frames older than the landmark lag, so late landmarks still attach.
    cutChunks(t - 250);
  }

  /** Emit every whole chunk whose frames all lie before `upTo` (ms since start). */
  function cutChunks(upTo: number): void {
    if (!capture) return;
    const plan = capture.plan;
    while (pending.length) {
      const end = upTo === Infinity ? Infinity : (seq + 1) * plan.chunk_ms;
      if (end !== Infinity && end > upTo) break;
      let n = pending.findIndex((p) => p.record.t >= end);
      if (n === -1) n = pending.length;
      if (n === 0) {
        if (end === Infinity) break;
        seq++; // an empty second (frames dropped): keep seq aligned with time
        continue;
      }
      n = Math.min(n, plan.max_frames_per_chunk);
      const batch = pending.splice(0, n);
      const ctxEnd = batch[batch.length - 1].record.t;
      const ctxCrops = pendingContext.filter((c) => c.t <= ctxEnd);
      pendingContext = pendingContext.filter((c) => c.t > ctxEnd);
      const mySeq = seq++;
      const cap = capture;
      sendChain = sendChain.then(() => emitChunk(cap, mySeq, batch, ctxCrops));
    }
  }

  async function emitChunk(cap: CaptureStart, mySeq: number, batch: PendingFrame[], ctxCrops: ContextCrop[]): Promise<void> {
    await Promise.all(batch.map((p) => p.ready));
    const chunk = {
      v: 1 as const,
      session_id: cap.session_id,
      attempt_id: cap.attempt_id,
      nonce: cap.nonce,
      seq: mySeq,
      frames: batch.map((p) => p.record),
      context: ctxCrops,
    };
    const bytes = encodeChunk(chunk);
    totalBytes += bytes.byteLength;
    onChunk?.(Comlink.transfer({ seq: mySeq, bytes, frames: batch.length }, [bytes.buffer as ArrayBuffer]));
  }

  function encodeChunk(chunk: unknown): Uint8Array {
    const out = encodeCbor(chunk) as Uint8Array;
    // A fresh buffer we own, so it can be transferred.
    return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
  }

  async function pump(r: ReadableStreamDefaultReader<VideoFrame>): Promise<void> {
    for (;;) {
      const { value, done } = await r.read();
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
      totalBytes = 0;
      recFrames = 0;
      faceFrames = 0;
      recLandmarkFrames = 0;
      nextContextIdx = 0;
      cnnScores = [];
      cnnPromises = [];
      trace = { t: [], rgb: [] };
      dropped = 0;
    },

    /** End the capture: flush the last chunks and wait for them and the CNN. */
    async stopCapture(): Promise<CaptureSummary | null> {
      if (!capture) return null;
      cutChunks(Infinity);
      await sendChain;
      await Promise.all(cnnPromises);
      const summary: CaptureSummary = {
        chunk_count: seq,
        frames: recFrames,
        landmark_frames: recLandmarkFrames,
        face_frames: faceFrames,
        dropped_frames: dropped,
        bytes: totalBytes,
        fps: currentFps(),
        landmark_hz: lmDone.length / 2,
        timings: api.timings(),
        cnn: cnnScores,
        trace,
      };
      capture = null;
      return summary;
    },

    /** Abandon a capture without sending anything more. */
    abortCapture(): void {
      capture = null;
      pending = [];
      pendingContext = [];
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
