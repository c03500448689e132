/**
 * Landmarks worker: MediaPipe FaceLandmarker in VIDEO mode (module worker, so the fileset is the
 * "module" build: FilesetResolver.forVisionTasks(base, true), FINDINGS.md).
 * The delegate is chosen by measuring: with `delegate: 'auto'` the first frames alternate between
 * a CPU and a GPU task, and the slower one is closed.
 * Frames arrive by transfer (VideoFrame or ImageBitmap) and are closed here.
 * Other workers reach this one through a MessagePort (`connect`), so frames never pass through
 * the main thread.
 */
import * as Comlink from 'comlink';
import { FaceLandmarker, FilesetResolver } from '@mediapipe/tasks-vision';
import { flattenLandmarks, type FlatLandmarks } from './face/landmarks.ts';
import { upperMedian } from './signal/stats.ts';

export type LandmarkDelegate = 'CPU' | 'GPU';

export interface LandmarksInit {
  wasmBase: string;
  modelUrl: string;
  delegate: LandmarkDelegate | 'auto';
  /** Frames per delegate timed when choosing (after one warm-up frame each). */
  calibrationFrames?: number;
}

export type LandmarksInitResult =
  | { ok: true; delegate: LandmarkDelegate | 'pending'; init_ms: number }
  | { ok: false; code: 'landmarks_init_failed'; message: string };

export interface LandmarkResult {
  /** 478 points, x,y,z per point (workers/face FlatLandmarks), x and y normalised; null when no face. */
  points: FlatLandmarks | null;
  /** Wall time of detectForVideo, ms. */
  ms: number;
  delegate: LandmarkDelegate;
}

export interface LandmarksStats {
  delegate: LandmarkDelegate | 'pending';
  first_frame_ms: number;
  median_ms: number;
  frames: number;
  /** Per-delegate medians measured while choosing. */
  measured: Partial<Record<LandmarkDelegate, number>>;
}

interface Task {
  delegate: LandmarkDelegate;
  landmarker: FaceLandmarker;
  lastTs: number;
  times: number[];
}


async function createTask(fileset: Awaited<ReturnType<typeof FilesetResolver.forVisionTasks>>, modelUrl: string, delegate: LandmarkDelegate): Promise<Task> {
  const landmarker = await FaceLandmarker.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: modelUrl, delegate },
    runningMode: 'VIDEO',
    numFaces: 1,
    outputFaceBlendshapes: false,
    outputFacialTransformationMatrixes: false,
  });
  return { delegate, landmarker, lastTs: -1, times: [] };
}

function canUseGpu(): boolean {
  try {
    return new OffscreenCanvas(1, 1).getContext('webgl2') !== null;
  } catch {
    return false;
  }
}

function createLandmarksService() {
  let tasks: Task[] = [];
  let chosen: Task | null = null;
  let calibrationFrames = 3;
  let firstFrameMs = 0;
  let frames = 0;
  let turn = 0;
  const measured: Partial<Record<LandmarkDelegate, number>> = {};
  const recent: number[] = [];
  let bare: { frames: number; detections: number; dropped: number; lastTs: number; times: number[] } | null = null;

  function choose(): void {
    if (chosen || tasks.length === 0) return;
    // Drop the warm-up frame of each task (it includes graph start-up).
    const done = tasks.every((t) => t.times.length >= calibrationFrames + 1);
    if (!done) return;
    for (const t of tasks) measured[t.delegate] = upperMedian(t.times.slice(1));
    const best = tasks.reduce((a, b) => (upperMedian(a.times.slice(1)) <= upperMedian(b.times.slice(1)) ? a : b));
    for (const t of tasks) if (t !== best) t.landmarker.close();
    tasks = [best];
    chosen = best;
  }

  const api = {
    async init(opts: LandmarksInit): Promise<LandmarksInitResult> {
      const t0 = performance.now();
      try {
        const fileset = await FilesetResolver.forVisionTasks(opts.wasmBase, true);
        calibrationFrames = opts.calibrationFrames ?? 3;
        const wanted: LandmarkDelegate[] = opts.delegate === 'auto' ? (canUseGpu() ? ['CPU', 'GPU'] : ['CPU']) : [opts.delegate];
        for (const d of wanted) {
          try {
            tasks.push(await createTask(fileset, opts.modelUrl, d));
          } catch (err) {
            if (wanted.length === 1) throw err;
          }
        }
        if (tasks.length === 0) throw new Error('no delegate could start');
        if (tasks.length === 1) chosen = tasks[0];
        return { ok: true, delegate: chosen ? chosen.delegate : 'pending', init_ms: performance.now() - t0 };
      } catch (err) {
        return { ok: false, code: 'landmarks_init_failed', message: String((err as Error)?.message ?? err) };
      }
    },

    /** Detect on one frame; the frame is closed. `timestampMs` must increase. */
    detect(frame: VideoFrame | ImageBitmap, timestampMs: number): LandmarkResult | null {
      try {
        if (tasks.length === 0) return null;
        const task = chosen ?? tasks[turn++ % tasks.length];
        // A non-increasing timestamp breaks the graph for good (FINDINGS.md).
        const ts = Math.max(timestampMs, task.lastTs + 1);
        task.lastTs = ts;
        const t0 = performance.now();
        const r = task.landmarker.detectForVideo(frame, ts);
        const ms = performance.now() - t0;
        if (frames === 0) firstFrameMs = ms;
        frames++;
        task.times.push(ms);
        if (chosen) {
          recent.push(ms);
          if (recent.length > 60) recent.shift();
        }
        choose();
        const face = r.faceLandmarks[0];
        if (face) {
          const points = flattenLandmarks(face);
          return Comlink.transfer({ points, ms, delegate: task.delegate }, [points.buffer]);
        }
        return { points: null, ms, delegate: task.delegate };
      } finally {
        frame.close();
      }
    },

    stats(): LandmarksStats {
      return {
        delegate: chosen ? chosen.delegate : 'pending',
        first_frame_ms: firstFrameMs,
        median_ms: upperMedian(recent.length ? recent : (chosen?.times ?? [])),
        frames,
        measured: { ...measured },
      };
    },

    /**
     * Benchmark anchor: bare FaceLandmarker.detectForVideo on a camera stream at `hz`, nothing
     * else (no ROI, crops, CNN). Frames not due are closed at once.
     */
    runBare(stream: ReadableStream<VideoFrame>, hz: number): void {
      const reader = stream.getReader();
      bare = { frames: 0, detections: 0, dropped: 0, lastTs: -1, times: [] };
      const b = bare;
      let next = 0;
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
          if (done || !bare) {
            value?.close();
            break;
          }
          const ts = value.timestamp / 1000;
          if (b.lastTs >= 0 && ts - b.lastTs > 50) b.dropped += Math.round((ts - b.lastTs) / 33.3) - 1;
          b.lastTs = ts;
          b.frames++;
          const now = performance.now();
          if (now >= next) {
            // Hold the average rate between camera frames (18 Hz on a 30 fps camera alternates one
            // and two frame gaps) instead of rounding down to 30/n Hz; never bank more than one slot.
            next = Math.max(next + 1000 / hz, now);
            const r = api.detect(value, performance.timeOrigin + now);
            if (r) {
              b.detections++;
              b.times.push(r.ms);
              if (b.times.length > 2000) b.times.shift();
            }
          } else value.close();
        }
      })();
    },

    bareStats(): { frames: number; detections: number; dropped: number; median_ms: number } | null {
      return bare ? { frames: bare.frames, detections: bare.detections, dropped: bare.dropped, median_ms: upperMedian(bare.times) } : null;
    },

    /** Serve the same API on a port, for the signal worker. */
    connect(port: MessagePort): void {
      Comlink.expose(api, port);
    },

    close(): void {
      bare = null;
      for (const t of tasks) t.landmarker.close();
      tasks = [];
      chosen = null;
    },
  };
  return api;
}

export type LandmarksService = ReturnType<typeof createLandmarksService>;

Comlink.expose(createLandmarksService());
