// Worker-thread entry (piscina): recomputes all evidence of one capture off the event loop.
// Models load once per thread and stay loaded for the next capture.
import jpeg from 'jpeg-js';
import type { CaptureChunk } from '../../workers/codec/index.ts';
import { loadCnnModels, runCnn, type CnnModels, type CnnResult } from './cnn.ts';
import { analyseFrameEvidence, type EvidenceInput, type FrameEvidence } from './evidence.ts';
import { loadFaceEmbedder, type FaceEmbedder } from '../identity/embed.ts';
import { extractIdentityEvidence, type IdentityEvidence } from '../identity/evidence.ts';

export interface AnalysisTask extends EvidenceInput {
  modelsDir: string;
  frameCount: number;
  /** Embed the identity crops (the policy's identity mode is on). */
  identity?: boolean;
}

export interface AnalysisTaskResult {
  evidence: FrameEvidence;
  cnn: CnnResult;
  timings_ms: Record<string, number>;
  identity?: IdentityEvidence;
}

export interface WarmupTask {
  warmup: true;
  modelsDir: string;
}

let models: Promise<CnnModels> | null = null;
let loaded: CnnModels | null = null;

function ensureModels(modelsDir: string): Promise<CnnModels> {
  models ??= loadCnnModels(modelsDir).then(
    (m) => (loaded = m),
    (err: unknown) => {
      models = null; // a later capture retries (e.g. after `livegate models fetch`)
      throw err;
    },
  );
  return models;
}

let embedder: Promise<FaceEmbedder | null> | null = null;

/** The identity model, once per thread; null while it is missing (a later capture retries). */
function ensureEmbedder(modelsDir: string): Promise<FaceEmbedder | null> {
  embedder ??= loadFaceEmbedder(modelsDir).catch(() => {
    embedder = null;
    return null;
  });
  return embedder;
}

const cnnFailure = (err: unknown): CnnResult => ({ available: false, live_probability: null, per_model: {}, frames: 0, face_detected_ratio: null, reason: `error:${(err as Error).message}` });

/**
 * Loads the models and runs the JavaScript hot paths once, so the first real capture does not pay
 * for model loading and JIT warm-up (a cold thread took ~4x longer on the first capture).
 */
async function warmup(task: WarmupTask): Promise<{ warm: true; ms: number }> {
  const started = performance.now();
  await ensureModels(task.modelsDir).catch(() => null);
  const size = 64;
  const rgba = new Uint8Array(size * size * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 37) & 0xff;
  const encoded = jpeg.encode({ data: rgba, width: size, height: size }, 80).data;
  for (let i = 0; i < 200; i++) jpeg.decode(encoded, { useTArray: true, formatAsRGBA: true });
  return { warm: true, ms: performance.now() - started };
}

export default function run(task: AnalysisTask | WarmupTask): Promise<AnalysisTaskResult | { warm: true; ms: number }> {
  return 'warmup' in task ? warmup(task) : analyseCapture(task);
}

/** One capture's analysis (also callable in-process: calibration, benchmarks). */
export async function analyseCapture(task: AnalysisTask): Promise<AnalysisTaskResult> {
  const started = performance.now();
  // The CNN's inference runs on onnxruntime's own threads: start it before the JavaScript evidence
  // work so the two overlap (2 cores).
  let cnnDone = 0;
  const cnnTask = (loaded ? runCnn(loaded, task.chunks as CaptureChunk[], task.frameCount) : ensureModels(task.modelsDir).then((m) => runCnn(m, task.chunks as CaptureChunk[], task.frameCount)))
    .catch(cnnFailure)
    .finally(() => (cnnDone = performance.now()));
  const evidence = analyseFrameEvidence(task);
  const evidenceDone = performance.now();
  const cnn = await cnnTask;
  const identity = task.identity ? await extractIdentityEvidence(await ensureEmbedder(task.modelsDir), task.chunks as CaptureChunk[], task.frame) : undefined;
  const end = performance.now();
  return {
    evidence,
    cnn,
    ...(identity ? { identity } : {}),
    timings_ms: { ...evidence.timings_ms, cnn: cnnDone - started, cnn_wait_after_evidence: Math.max(0, end - evidenceDone), worker_total: end - started },
  };
}
