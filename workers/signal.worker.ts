/**
 * Signal worker: the per-frame pipeline at the camera's full rate, wired from the stages in
 * workers/capture/.
 * - receives camera frames by transfer (a transferred MediaStreamTrackProcessor stream of
 *   VideoFrames, or ImageBitmaps pushed one by one), never copies through the main thread;
 * - hands a frame to the landmarks worker (over a MessagePort) whenever it is idle and the
 *   cadence allows (cadence.ts): landmarks run at the rate the device sustains, never queued;
 * - carries the latest landmarks to every frame (face-track.ts) for ROI means, skin counts and
 *   the face box (roi-sampler.ts on a window from frame-convert.ts);
 * - during a capture (recording.ts), records FrameRecords with their crops (crop-recorder.ts),
 *   cuts ~chunk_ms CaptureChunks (chunker.ts), sends context crops to the CNN worker, and sums
 *   up (summary.ts); reports guidance status (face box, brightness, motion) to the page.
 */
import * as Comlink from 'comlink';
import type { LandmarksService } from './landmarks.worker.ts';
import type { CnnService } from './cnn.worker.ts';
import type { LightChallengeStep } from './signal/index.ts';
import { createCadence } from './capture/cadence.ts';
import { faceSquare } from './capture/crop-recorder.ts';
import { createFaceTrack } from './capture/face-track.ts';
import { createFrameConverter } from './capture/frame-convert.ts';
import { createRecording, type CnnScorer, type Recording } from './capture/recording.ts';
import { createRoiBuffers, createRoiSampler } from './capture/roi-sampler.ts';
import { pipelineStatus } from './capture/status.ts';
import { createStageClock } from './capture/summary.ts';
import type { Surfaces } from './capture/surfaces.ts';
import type { CaptureStart, CaptureSummary, ChunkReady, PipelineInit, PipelineStatus, StageTimings, WorkerErrorKind } from './capture/types.ts';

export type { CapturePlan, CaptureStart, CaptureSummary, ChunkReady, PipelineInit, PipelineStatus, StageTimings, WorkerErrors } from './capture/types.ts';

type FrameSource = VideoFrame | ImageBitmap;

/** Before init: the usual camera rate and a modest landmark cadence. */
const DEFAULT_INIT: PipelineInit = { camera_fps: 30, landmark_hz: 10, status_every_ms: 100, status_points: false };

const surfaces: Surfaces = {
  canvas: (w, h) => new OffscreenCanvas(w, h),
  imageData: (rgba, w, h) => new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, w, h),
};

const nowEpoch = (): number => performance.timeOrigin + performance.now();
const isVideoFrame = (s: FrameSource): s is VideoFrame => typeof VideoFrame !== 'undefined' && s instanceof VideoFrame;

function createSignalService() {
  let landmarks: Comlink.Remote<LandmarksService> | null = null;
  let cnn: Comlink.Remote<CnnService> | null = null;
  let onStatus: ((s: PipelineStatus) => void) | null = null;
  let onChunk: ((c: ChunkReady) => void) | null = null;
  let cfg = DEFAULT_INIT;
  let cadence = createCadence(cfg.camera_fps, cfg.landmark_hz);
  const face = createFaceTrack();
  const convert = createFrameConverter(surfaces, () => failed('frame_convert')());
  const rois = createRoiSampler(surfaces);
  const clock = createStageClock();
  let stopped = false;
  let reader: ReadableStreamDefaultReader<VideoFrame> | null = null;
  let pushBusy = false;
  let lastStatusAt = -Infinity;
  let recording: Recording | null = null;

  const failed = (kind: WorkerErrorKind) => () => recording?.errors.count(kind);

  function dispatchLandmarks(source: FrameSource, at: number, w: number, h: number): boolean {
    if (!landmarks || !cadence.claimLandmarks(at)) return false;
    const clone: VideoFrame | Promise<ImageBitmap> = isVideoFrame(source) ? source.clone() : createImageBitmap(source);
    const lm = landmarks;
    Promise.resolve(clone)
      .then((frame) => lm.detect(Comlink.transfer(frame, [frame as Transferable]), at))
      .then((r) => {
        if (stopped || !r) return;
        clock.record('landmarks', r.ms);
        cadence.landmarksDone(nowEpoch());
        // Results arrive out of order only if a later frame overtook: keep the newest.
        if (at < face.pointsAt) return;
        face.apply(r.points, at, w, h);
        recording?.landmarks(at, r.points);
      })
      .catch(failed('landmarks'))
      .finally(() => cadence.releaseLandmarks());
    return true;
  }

  function cnnScorer(source: FrameSource): CnnScorer | null {
    const remote = cnn;
    return remote ? (facePx, t) => createImageBitmap(source).then((bmp) => remote.score(Comlink.transfer(bmp, [bmp]), facePx, t)) : null;
  }

  async function processFrame(source: FrameSource, arrival: number): Promise<void> {
    const f0 = performance.now();
    try {
      const cameraMs = isVideoFrame(source) ? source.timestamp / 1000 : null;
      const missed = cadence.frame(cameraMs ?? arrival, arrival);
      recording?.dropped(missed);
      const at = cadence.frameTime(cameraMs, arrival);
      const w = 'displayWidth' in source ? source.displayWidth : source.width;
      const h = 'displayHeight' in source ? source.displayHeight : source.height;
      const lmDispatched = dispatchLandmarks(source, at, w, h);
      face.fit(w, h);
      const faceNow = face.present(at);
      const rec = recording;
      const t = rec ? at - rec.start.start_epoch_ms : -1;
      const d0 = performance.now();
      // Only the face square is needed, except on the frames that also give a context or identity crop.
      const identityNow = rec?.crops.identityDue(t, faceNow, lmDispatched) ?? false;
      const wholeFrame = (rec?.crops.contextDue(t, faceNow) ?? false) || identityNow;
      const sq = wholeFrame ? null : faceSquare(faceNow, face.box, w, h);
      const win = await convert.window(source, isVideoFrame(source) ? source : null, sq && { x: sq[0], y: sq[1], w: sq[2], h: sq[2] }, w, h);
      clock.record('draw', performance.now() - d0);
      const { roi, skin } = createRoiBuffers();
      const r0 = performance.now();
      const luma = rois.sample(win, face, w, h, roi, skin);
      clock.record('roi', performance.now() - r0);
      // (A capture stopped or aborted while the window was read takes no more frames.)
      if (rec && rec === recording && t >= 0 && t <= rec.endMs) {
        if (identityNow) rec.crops.takeIdentity(win, face.box, at, t, w, h);
        rec.frame({ win, t, at, w, h, roi, skin, face: faceNow, box: face.box }, cnnScorer(source));
      }
      if (onStatus && at - lastStatusAt >= cfg.status_every_ms) {
        lastStatusAt = at;
        const progress = recording && { startEpochMs: recording.start.start_epoch_ms, frames: recording.frames, chunks: recording.chunks };
        onStatus(pipelineStatus({ at, w, h, face: faceNow, brightness: luma, roi }, face, cadence, progress, cfg.status_points));
      }
    } finally {
      source.close();
      clock.record('frame', performance.now() - f0);
    }
  }

  async function pump(r: ReadableStreamDefaultReader<VideoFrame>): Promise<void> {
    for (;;) {
      const { value, done } = await r.read().catch(() => {
        failed('stream')();
        return { value: undefined, done: true as const };
      });
      if (done || stopped) {
        value?.close();
        break;
      }
      // The track processor drops frames itself while this loop is busy: no queue builds up.
      await processFrame(value, nowEpoch()).catch(failed('frame'));
    }
  }

  const api = {
    init(opts: PipelineInit, ports: { landmarks?: MessagePort; cnn?: MessagePort }, status?: (s: PipelineStatus) => void, chunk?: (c: ChunkReady) => void): void {
      cfg = opts;
      cadence = createCadence(opts.camera_fps, opts.landmark_hz);
      if (ports.landmarks) landmarks = Comlink.wrap<LandmarksService>(ports.landmarks);
      if (ports.cnn) cnn = Comlink.wrap<CnnService>(ports.cnn);
      onStatus = status ?? null;
      onChunk = chunk ?? null;
    },

    setLandmarkHz(hz: number): void {
      cadence.targetHz = hz;
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
      recording = createRecording(start, {
        surfaces,
        clock,
        cameraFps: cfg.camera_fps,
        emit: (seq, bytes, frames) => onChunk?.(Comlink.transfer({ seq, bytes, frames }, [bytes.buffer as ArrayBuffer])),
      });
    },

    /** At the planned end: ms the capture goes on for while its pulse is borderline (0: end it now). */
    extendCapture(): number {
      return recording?.extend() ?? 0;
    },

    /** End the capture: flush the last chunks and wait for them and the CNN. */
    async stopCapture(revealedSchedule: LightChallengeStep[] | null = null): Promise<CaptureSummary | null> {
      if (!recording) return null;
      const rec = recording;
      const schedule = revealedSchedule?.length ? revealedSchedule : rec.start.light_schedule;
      const summary = await rec.stop(schedule, () => ({ fps: cadence.fps(), landmarkHz: cadence.landmarkHz(), timings: clock.timings() }));
      recording = null;
      return summary;
    },

    /** Abandon a capture without sending anything more. */
    abortCapture(): void {
      recording = null;
    },

    timings(): StageTimings {
      return clock.timings();
    },

    faceMissingFor(): number {
      return face.missingSince ? nowEpoch() - face.missingSince : 0;
    },

    async close(): Promise<void> {
      stopped = true;
      recording = null;
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
