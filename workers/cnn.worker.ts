/**
 * CNN worker: MiniFASNet anti-spoofing on onnxruntime-web.
 * Execution provider: WebGPU when an adapter exists, else the WASM build (SIMD). Threads only when
 * the page is cross-origin isolated (ORT silently uses one thread otherwise, FINDINGS.md) and the
 * device has cores to spare: on 2 cores two threads measured slower.
 * Frames arrive as transferred ImageBitmaps; pre/post-processing is the pure workers/cnn code.
 */
import * as Comlink from 'comlink';
import type * as OrtModule from 'onnxruntime-web';
import {
  computeCropBounds,
  cropToBgrTensor,
  MINIFASNET_INPUT_SIZE,
  MINIFASNET_MODELS,
  realProbabilities,
  type MiniFasNetSpec,
  type PixelBox,
} from './cnn/index.ts';
import { upperMedian } from './signal/stats.ts';

export type CnnExecutionProvider = 'webgpu' | 'wasm';

export interface CnnInit {
  /** Directory serving onnxruntime-web's .wasm/.mjs files, ending in '/'. */
  ortBase: string;
  /** Directory serving the .onnx models, ending in '/'. */
  modelBase: string;
  /** Try WebGPU first (the page found an adapter). */
  webgpu: boolean;
}

export type CnnInitResult =
  | { ok: true; execution_provider: CnnExecutionProvider; threads: number; models: string[]; init_ms: number; median_ms: number }
  | { ok: false; code: 'cnn_init_failed'; message: string };

export interface CnnScore {
  t: number;
  /** Mean of the models' real probabilities. */
  real: number;
  per_model: Record<string, number>;
  ms: number;
}

export interface CnnSummary {
  scores: CnnScore[];
  mean_real: number | null;
  median_ms: number;
  execution_provider: CnnExecutionProvider | null;
}

interface LoadedModel {
  spec: MiniFasNetSpec;
  session: OrtModule.InferenceSession;
}


function createCnnService() {
  let ort: typeof OrtModule | null = null;
  let provider: CnnExecutionProvider | null = null;
  let models: LoadedModel[] = [];
  const times: number[] = [];
  const scores: CnnScore[] = [];
  let canvas: OffscreenCanvas | null = null;
  let busy = false;
  const tensorBuf = new Float32Array(3 * MINIFASNET_INPUT_SIZE * MINIFASNET_INPUT_SIZE);

  async function loadSessions(mod: typeof OrtModule, ep: CnnExecutionProvider, base: string): Promise<LoadedModel[]> {
    const loaded: LoadedModel[] = [];
    for (const spec of MINIFASNET_MODELS) {
      try {
        const session = await mod.InferenceSession.create(base + spec.file, { executionProviders: [ep], graphOptimizationLevel: 'all' });
        loaded.push({ spec, session });
      } catch (err) {
        if (spec.required) {
          for (const m of loaded) await m.session.release();
          throw err;
        }
      }
    }
    return loaded;
  }

  async function runOne(m: LoadedModel, input: Float32Array): Promise<number> {
    const tensor = new ort!.Tensor('float32', input, [1, 3, MINIFASNET_INPUT_SIZE, MINIFASNET_INPUT_SIZE]);
    const out = await m.session.run({ [m.spec.inputName]: tensor });
    const p = realProbabilities(out[m.spec.outputName].data as Float32Array)[0];
    tensor.dispose();
    out[m.spec.outputName].dispose();
    return p;
  }

  const api = {
    async init(opts: CnnInit): Promise<CnnInitResult> {
      const t0 = performance.now();
      const errors: string[] = [];
      const order: CnnExecutionProvider[] = opts.webgpu ? ['webgpu', 'wasm'] : ['wasm'];
      for (const ep of order) {
        try {
          const mod = (ep === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm')) as typeof OrtModule;
          mod.env.wasm.wasmPaths = opts.ortBase;
          mod.env.wasm.proxy = false;
          const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
          const cores = navigator.hardwareConcurrency || 1;
          mod.env.wasm.numThreads = isolated && cores >= 4 ? Math.min(4, Math.floor(cores / 2)) : 1;
          mod.env.logLevel = 'error';
          models = await loadSessions(mod, ep, opts.modelBase);
          ort = mod;
          provider = ep;
          break;
        } catch (err) {
          errors.push(`${ep}: ${(err as Error)?.message ?? err}`);
        }
      }
      if (!ort || !provider) return { ok: false, code: 'cnn_init_failed', message: errors.join('; ') };
      // Time a few runs on a neutral input so the profile can report a median before capture.
      const warm = new Float32Array(tensorBuf.length).fill(128);
      const warmTimes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const s = performance.now();
        for (const m of models) await runOne(m, warm);
        warmTimes.push(performance.now() - s);
      }
      return {
        ok: true,
        execution_provider: provider,
        threads: ort.env.wasm.numThreads ?? 1,
        models: models.map((m) => m.spec.name),
        init_ms: performance.now() - t0,
        median_ms: upperMedian(warmTimes.slice(1)),
      };
    },

    /**
     * Score one frame (closed here). `face` is the face box in pixels of this frame. Returns null
     * when busy or not ready: the caller drops the request rather than queueing it.
     */
    async score(frame: ImageBitmap, face: PixelBox, t: number): Promise<CnnScore | null> {
      if (!ort || busy) {
        frame.close();
        return null;
      }
      busy = true;
      try {
        const w = frame.width;
        const h = frame.height;
        if (!canvas || canvas.width !== w || canvas.height !== h) canvas = new OffscreenCanvas(w, h);
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(frame, 0, 0);
        const pixels = ctx.getImageData(0, 0, w, h).data;
        const s = performance.now();
        const perModel: Record<string, number> = {};
        let sum = 0;
        for (const m of models) {
          const bounds = computeCropBounds(face, w, h, m.spec.scale);
          cropToBgrTensor(pixels, w, h, bounds, MINIFASNET_INPUT_SIZE, 4, tensorBuf);
          const p = await runOne(m, tensorBuf);
          perModel[m.spec.name] = p;
          sum += p;
        }
        const ms = performance.now() - s;
        times.push(ms);
        const score: CnnScore = { t, real: sum / models.length, per_model: perModel, ms };
        scores.push(score);
        return score;
      } finally {
        frame.close();
        busy = false;
      }
    },

    summary(): CnnSummary {
      return {
        scores: [...scores],
        mean_real: scores.length ? scores.reduce((a, s) => a + s.real, 0) / scores.length : null,
        median_ms: upperMedian(times),
        execution_provider: provider,
      };
    },

    reset(): void {
      scores.length = 0;
      times.length = 0;
    },

    connect(port: MessagePort): void {
      Comlink.expose(api, port);
    },

    async close(): Promise<void> {
      for (const m of models) await m.session.release();
      models = [];
      ort = null;
    },
  };
  return api;
}

export type CnnService = ReturnType<typeof createCnnService>;

Comlink.expose(createCnnService());
