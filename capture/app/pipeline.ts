/**
 * Page-side bridge to the three workers (landmarks, signal, CNN). Workers start lazily here,
 * talk to each other over MessageChannels (frames never come back through the main thread), and
 * are terminated by `terminate()` (finish, cancel, pagehide).
 */
import * as Comlink from 'comlink';
import type { LandmarksService, LandmarksInitResult, LandmarksStats } from '../../workers/landmarks.worker.ts';
import type { CnnService, CnnInitResult, CnnSummary } from '../../workers/cnn.worker.ts';
import type { SignalService, PipelineStatus, ChunkReady, CaptureStart, CaptureSummary, StageTimings } from '../../workers/signal.worker.ts';
import type { LightChallengeStep } from '../../workers/protocol/index.ts';

export interface AssetPaths {
  mediapipeWasm: string;
  landmarkModel: string;
  ortBase: string;
  modelBase: string;
}

export const DEFAULT_ASSETS: AssetPaths = {
  mediapipeWasm: '/vendor/mediapipe/wasm',
  landmarkModel: '/models/face_landmarker.task',
  ortBase: '/vendor/ort/',
  modelBase: '/models/',
};

export interface PipelineOptions {
  assets?: AssetPaths;
  webgpu: boolean;
  cameraFps: number;
  landmarkHz: number;
  delegate?: 'CPU' | 'GPU' | 'auto';
  statusEveryMs?: number;
  statusPoints?: boolean;
  /** Load the anti-spoofing models (the lab may turn them off). */
  cnn?: boolean;
  onStatus: (s: PipelineStatus) => void;
  onChunk: (c: ChunkReady) => void;
}

export interface Pipeline {
  readonly landmarksInit: LandmarksInitResult;
  readonly cnnInit: CnnInitResult | null;
  /** How frames reach the signal worker. */
  attach(track: MediaStreamTrack, video: HTMLVideoElement): 'track-processor' | 'image-bitmap';
  setLandmarkHz(hz: number): Promise<void>;
  landmarkStats(): Promise<LandmarksStats>;
  cnnSummary(): Promise<CnnSummary | null>;
  timings(): Promise<StageTimings>;
  startCapture(start: CaptureStart): Promise<void>;
  /** `lightSchedule`: the light-challenge steps revealed during the capture (the page scores its own response). */
  stopCapture(lightSchedule?: LightChallengeStep[] | null): Promise<CaptureSummary | null>;
  /** Near the capture's end: ms it goes on for while the pulse is borderline (0: end it). */
  extendCapture(): Promise<number>;
  abortCapture(): Promise<void>;
  /** Close models and terminate every worker. Safe to call twice. */
  terminate(): Promise<void>;
  readonly running: number;
}

export class PipelineError extends Error {
  readonly code: 'landmarks_init_failed' | 'cnn_init_failed' | 'worker_failed';
  constructor(code: PipelineError['code'], message: string) {
    super(message);
    this.name = 'PipelineError';
    this.code = code;
  }
}

export async function createPipeline(opts: PipelineOptions): Promise<Pipeline> {
  const assets = opts.assets ?? DEFAULT_ASSETS;
  // Literal `new Worker(new URL(...))` so Vite bundles each worker.
  const landmarksWorker = new Worker(new URL('../../workers/landmarks.worker.ts', import.meta.url), { type: 'module', name: 'livegate-landmarks' });
  const signalWorker = new Worker(new URL('../../workers/signal.worker.ts', import.meta.url), { type: 'module', name: 'livegate-signal' });
  const cnnWorker = opts.cnn === false ? null : new Worker(new URL('../../workers/cnn.worker.ts', import.meta.url), { type: 'module', name: 'livegate-cnn' });
  const workers = [landmarksWorker, signalWorker, cnnWorker].filter((w): w is Worker => w !== null);
  let running = workers.length;
  let terminated = false;

  const landmarks = Comlink.wrap<LandmarksService>(landmarksWorker);
  const signal = Comlink.wrap<SignalService>(signalWorker);
  const cnn = cnnWorker ? Comlink.wrap<CnnService>(cnnWorker) : null;

  const killAll = () => {
    if (terminated) return;
    terminated = true;
    for (const w of workers) w.terminate();
    running = 0;
  };

  const [lmInit, cnnInit] = await Promise.all([
    landmarks.init({ wasmBase: assets.mediapipeWasm, modelUrl: assets.landmarkModel, delegate: opts.delegate ?? 'auto' }),
    cnn ? cnn.init({ ortBase: assets.ortBase, modelBase: assets.modelBase, webgpu: opts.webgpu }) : Promise.resolve(null),
  ]);
  if (!lmInit.ok) {
    killAll();
    throw new PipelineError('landmarks_init_failed', lmInit.message);
  }

  const lmChannel = new MessageChannel();
  await landmarks.connect(Comlink.transfer(lmChannel.port1, [lmChannel.port1]));
  const ports: { landmarks: MessagePort; cnn?: MessagePort } = { landmarks: lmChannel.port2 };
  const transfers: Transferable[] = [lmChannel.port2];
  if (cnn && cnnInit?.ok) {
    const cnnChannel = new MessageChannel();
    await cnn.connect(Comlink.transfer(cnnChannel.port1, [cnnChannel.port1]));
    ports.cnn = cnnChannel.port2;
    transfers.push(cnnChannel.port2);
  }
  await signal.init(
    { camera_fps: opts.cameraFps, landmark_hz: opts.landmarkHz, status_every_ms: opts.statusEveryMs ?? 100, status_points: opts.statusPoints ?? false },
    Comlink.transfer(ports, transfers),
    Comlink.proxy(opts.onStatus),
    Comlink.proxy(opts.onChunk),
  );

  let rvfcHandle = 0;
  let videoEl: HTMLVideoElement | null = null;

  return {
    landmarksInit: lmInit,
    cnnInit,
    get running() {
      return running;
    },
    attach(track, video) {
      const Processor = (globalThis as { MediaStreamTrackProcessor?: new (o: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> } }).MediaStreamTrackProcessor;
      if (Processor) {
        // maxBufferSize 1: when the worker is busy the processor drops old frames.
        const { readable } = new Processor({ track, maxBufferSize: 2 });
        void signal.attachStream(Comlink.transfer(readable, [readable as unknown as Transferable]));
        return 'track-processor';
      }
      // Fallback: one ImageBitmap per video frame, dropped when the worker is still busy.
      videoEl = video;
      let inFlight = false;
      const onFrame = () => {
        if (terminated) return;
        if (!inFlight && video.videoWidth > 0) {
          inFlight = true;
          createImageBitmap(video)
            .then((bmp) => signal.pushFrame(Comlink.transfer(bmp, [bmp])))
            .catch(() => {})
            .finally(() => {
              inFlight = false;
            });
        }
        rvfcHandle = video.requestVideoFrameCallback(onFrame);
      };
      rvfcHandle = video.requestVideoFrameCallback(onFrame);
      return 'image-bitmap';
    },
    setLandmarkHz: (hz) => signal.setLandmarkHz(hz),
    landmarkStats: () => landmarks.stats(),
    cnnSummary: async () => (cnn && cnnInit?.ok ? cnn.summary() : null),
    timings: () => signal.timings(),
    startCapture: async (start) => {
      if (cnn && cnnInit?.ok) await cnn.reset();
      await signal.startCapture(start);
    },
    stopCapture: (lightSchedule) => signal.stopCapture(lightSchedule ?? null),
    extendCapture: () => signal.extendCapture(),
    abortCapture: () => signal.abortCapture(),
    async terminate() {
      if (terminated) return;
      if (videoEl && rvfcHandle) videoEl.cancelVideoFrameCallback(rvfcHandle);
      // Close models first (frees WASM/GPU memory promptly), but never wait long on a stuck worker.
      const closing = Promise.allSettled([signal.close(), landmarks.close(), cnn?.close()]);
      await Promise.race([closing, new Promise((r) => setTimeout(r, 1000))]);
      killAll();
    },
  };
}
