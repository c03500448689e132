/**
 * Bench mode of the lab (`/lab?bench=pipeline` or `/lab?bench=bare&hz=N&delegate=CPU`), driven by
 * test/bench/browser.bench.ts. `pipeline` runs the page's full worker pipeline with a long
 * recording (ROIs, JPEG crops, chunks, CNN) on the camera; `bare` runs only
 * FaceLandmarker.detectForVideo in the landmarks worker on the same camera at a fixed cadence:
 * the anchor the pipeline's overhead is measured against.
 */
import * as Comlink from 'comlink';
import { createPipeline } from '../app/pipeline.ts';
import { chooseLandmarkCadence, probeHardware, useWebGpuForCnn } from '../app/profile.ts';
import type { LandmarksService } from '../../workers/landmarks.worker.ts';
import type { PipelineStatus } from '../../workers/signal.worker.ts';

export interface BenchHandle {
  ready: boolean;
  snapshot(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startBench(params: URLSearchParams): Promise<BenchHandle> {
  const mode = params.get('bench');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } } });
  const track = stream.getVideoTracks()[0];
  const video = document.getElementById('video') as HTMLVideoElement;
  video.srcObject = stream;
  void video.play();
  type Processor = new (o: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };
  const MSTP = (globalThis as { MediaStreamTrackProcessor?: Processor }).MediaStreamTrackProcessor!;

  if (mode === 'bare') {
    const worker = new Worker(new URL('../../workers/landmarks.worker.ts', import.meta.url), { type: 'module', name: 'livegate-landmarks' });
    const lm = Comlink.wrap<LandmarksService>(worker);
    const init = await lm.init({ wasmBase: '/vendor/mediapipe/wasm', modelUrl: '/models/face_landmarker.task', delegate: (params.get('delegate') as 'CPU' | 'GPU') ?? 'CPU' });
    if (!init.ok) throw new Error(init.message);
    const { readable } = new MSTP({ track, maxBufferSize: 2 });
    await lm.runBare(Comlink.transfer(readable, [readable as unknown as Transferable]), Number(params.get('hz') ?? 10));
    return {
      ready: true,
      snapshot: async () => ({ mode, bare: await lm.bareStats(), init }),
      async stop() {
        await lm.close();
        worker.terminate();
        track.stop();
      },
    };
  }

  const hw = await probeHardware();
  let last: PipelineStatus | null = null;
  let chunks = 0;
  let bytes = 0;
  const pipeline = await createPipeline({
    webgpu: useWebGpuForCnn(hw),
    cameraFps: 30,
    landmarkHz: chooseLandmarkCadence(40, 30, hw.cores),
    statusEveryMs: 100,
    onStatus: (s) => (last = s),
    onChunk: (c) => {
      chunks++;
      bytes += c.bytes.byteLength;
    },
  });
  pipeline.attach(track, video);
  // Let the delegate choice settle, then size the cadence from the measured median, as the page does.
  await new Promise((r) => setTimeout(r, 3000));
  const lm0 = await pipeline.landmarkStats();
  await pipeline.setLandmarkHz(chooseLandmarkCadence(lm0.median_ms, 30, hw.cores));
  await pipeline.startCapture({
    session_id: 'lab',
    attempt_id: 'lab',
    nonce: 'lab-bench-nonce-0000',
    start_epoch_ms: performance.timeOrigin + performance.now(),
    plan: { duration_ms: 600_000, fps: 30, chunk_ms: 1000, face_crop_size: 64, context_crop_size: 160, context_crop_scale: 4, frame_count: 300, max_chunk_bytes: 1_048_576, max_total_bytes: 1 << 30, max_frames_per_chunk: 90 },
  });
  return {
    ready: true,
    snapshot: async () => ({
      mode: 'pipeline',
      status: last ? { ...(last as PipelineStatus), points: undefined } : null,
      timings: await pipeline.timings(),
      landmarks: await pipeline.landmarkStats(),
      cnn_init: pipeline.cnnInit,
      cnn: await pipeline.cnnSummary().then((s) => (s ? { median_ms: s.median_ms, scores: s.scores.length, mean_real: s.mean_real } : null)),
      chunks,
      bytes,
      hardware: hw,
    }),
    async stop() {
      await pipeline.terminate();
      track.stop();
    },
  };
}
