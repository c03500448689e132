// Worker-thread entry (piscina): recomputes all evidence of one capture off the event loop.
// Models load once per thread and stay loaded for the next capture.
import type { CaptureChunk } from '../../workers/codec/index.ts';
import { loadCnnModels, runCnn, type CnnModels, type CnnResult } from './cnn.ts';
import { analyseFrameEvidence, type EvidenceInput, type FrameEvidence } from './evidence.ts';

export interface AnalysisTask extends EvidenceInput {
  modelsDir: string;
  frameCount: number;
}

export interface AnalysisTaskResult {
  evidence: FrameEvidence;
  cnn: CnnResult;
  timings_ms: Record<string, number>;
}

let models: Promise<CnnModels> | null = null;

export default async function analyse(task: AnalysisTask): Promise<AnalysisTaskResult> {
  const evidence = analyseFrameEvidence(task);
  const started = performance.now();
  models ??= loadCnnModels(task.modelsDir).catch((err: unknown) => {
    models = null; // a later capture retries (e.g. after `livegate models fetch`)
    throw err;
  });
  let cnn: CnnResult;
  try {
    cnn = await runCnn(await models, task.chunks as CaptureChunk[], task.frameCount);
  } catch (err) {
    cnn = { available: false, live_probability: null, per_model: {}, frames: 0, face_detected_ratio: null, reason: `error:${(err as Error).message}` };
  }
  return { evidence, cnn, timings_ms: { ...evidence.timings_ms, cnn: performance.now() - started } };
}
