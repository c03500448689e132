// Anti-spoofing CNN (MiniFASNet V2, plus V1SE when present) and a BlazeFace face check on the
// context crops, with onnxruntime-node. Sessions load once per worker thread and are reused.
import { existsSync } from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import * as ort from 'onnxruntime-node';
import type { CaptureChunk, ContextCrop, FrameRecord } from '../../workers/codec/index.ts';
import { computeCropBounds, cropToBgrTensor, ensembleRealProbability, MINIFASNET_INPUT_SIZE, MINIFASNET_MODELS } from '../../workers/cnn/index.ts';
import { fineDetailRatio, tonalRange } from '../../workers/face/fine-detail.ts';
import { medianOrNull } from '../../workers/signal/stats.ts';

export const BLAZEFACE_FILE = 'face_detection_front_128x128_barracuda.onnx';
const BLAZEFACE_SIZE = 128;
const FACE_SCORE_THRESHOLD = 0.5;

export interface CnnModels {
  miniFasNet: Array<{ name: string; scale: number; session: ort.InferenceSession; input: string; output: string }>;
  blazeFace: ort.InferenceSession | null;
  release(): Promise<void>;
}

export interface CnnResult {
  available: boolean;
  live_probability: number | null;
  /** Per model, mean real-class probability. */
  per_model: Record<string, number>;
  frames: number;
  face_detected_ratio: number | null;
  /** Per context crop: the models' mean real-class probability, and BlazeFace's face score. */
  per_frame?: { p: number; face: number | null }[];
  /**
   * Median fine-detail ratio of the face over the crops (workers/face/fine-detail.ts): a quality
   * gate (MIN_FINE_DETAIL), measured here because these are the sharpest pixels the server gets.
   */
  fine_detail?: number | null;
  /** Median tonal range of the face over the crops (same module): a quality gate (MIN_TONAL_RANGE). */
  tonal_range?: number | null;
  reason?: string;
}

export async function loadCnnModels(modelsDir: string): Promise<CnnModels> {
  // Severity 3 (errors only): the graph optimiser's notes about unused initialisers in the
  // published models are not the operator's concern.
  const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  const miniFasNet: CnnModels['miniFasNet'] = [];
  for (const spec of MINIFASNET_MODELS) {
    const file = path.join(modelsDir, spec.file);
    if (!existsSync(file)) {
      if (spec.required) throw new Error(`Model ${spec.file} is missing from ${modelsDir}; run \`livegate models fetch\`.`);
      continue;
    }
    miniFasNet.push({ name: spec.name, scale: spec.scale, session: await ort.InferenceSession.create(file, options), input: spec.inputName, output: spec.outputName });
  }
  const blazeFile = path.join(modelsDir, BLAZEFACE_FILE);
  const blazeFace = existsSync(blazeFile) ? await ort.InferenceSession.create(blazeFile, options) : null;
  return {
    miniFasNet,
    blazeFace,
    async release() {
      for (const m of miniFasNet) await m.session.release();
      await blazeFace?.release();
    },
  };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The face box (FrameRecord.box) of the frame a context crop came from, in the crop's pixels. */
export function faceInCrop(context: ContextCrop, frame: FrameRecord | undefined, size: number) {
  const [cx, cy, cw, ch] = context.box;
  const box = frame?.box;
  if (!box || !(box[2] > 0) || !(cw > 0)) {
    // No face box: assume the page centred the face at 1/4 of the crop (scale 4.0).
    return { x: size * 0.375, y: size * 0.375, w: size * 0.25, h: size * 0.25 };
  }
  return {
    x: ((box[0] - cx) / cw) * size,
    y: ((box[1] - cy) / ch) * size,
    w: (box[2] / cw) * size,
    h: (box[3] / ch) * size,
  };
}

export async function runCnn(models: CnnModels, chunks: CaptureChunk[], frameCount: number): Promise<CnnResult> {
  if (models.miniFasNet.length === 0) return { available: false, live_probability: null, per_model: {}, frames: 0, face_detected_ratio: null, reason: 'model_missing' };
  const frames = chunks.flatMap((c) => c.frames);
  const byTime = new Map(frames.map((f) => [f.t, f]));
  const contexts = chunks.flatMap((c) => c.context).slice(0, frameCount);
  if (contexts.length === 0) return { available: true, live_probability: null, per_model: {}, frames: 0, face_detected_ratio: null, reason: 'no_context_crops' };

  const n = contexts.length;
  const plane = 3 * MINIFASNET_INPUT_SIZE * MINIFASNET_INPUT_SIZE;
  const batches = models.miniFasNet.map(() => new Float32Array(n * plane));
  const blazeInput = new Float32Array(BLAZEFACE_SIZE * BLAZEFACE_SIZE * 3);
  let faces = 0;
  let used = 0;
  const faceScores: Array<number | null> = [];
  const details: number[] = [];
  const ranges: number[] = [];
  for (const context of contexts) {
    let image: { data: Uint8Array; width: number; height: number };
    try {
      image = jpeg.decode(context.crop, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 4, maxMemoryUsageInMB: 64 });
    } catch {
      continue;
    }
    const face = faceInCrop(context, byTime.get(context.t), image.width);
    const detail = fineDetailRatio(image.data, image.width, image.height, face);
    if (detail !== null) details.push(detail);
    const range = tonalRange(image.data, image.width, image.height, face);
    if (range !== null) ranges.push(range);
    models.miniFasNet.forEach((model, m) => {
      const bounds = computeCropBounds(face, image.width, image.height, model.scale);
      cropToBgrTensor(image.data, image.width, image.height, bounds, MINIFASNET_INPUT_SIZE, 4, batches[m].subarray(used * plane, (used + 1) * plane));
    });
    if (models.blazeFace) {
      // BlazeFace on the 2.7x region: NHWC RGB in [-1, 1].
      const bounds = computeCropBounds(face, image.width, image.height, 2.7);
      const bgr = cropToBgrTensor(image.data, image.width, image.height, bounds, BLAZEFACE_SIZE);
      const p = BLAZEFACE_SIZE * BLAZEFACE_SIZE;
      for (let i = 0; i < p; i++) {
        blazeInput[3 * i] = bgr[2 * p + i] / 127.5 - 1;
        blazeInput[3 * i + 1] = bgr[p + i] / 127.5 - 1;
        blazeInput[3 * i + 2] = bgr[i] / 127.5 - 1;
      }
      const out = await models.blazeFace.run({ 'input:0': new ort.Tensor('float32', blazeInput, [1, BLAZEFACE_SIZE, BLAZEFACE_SIZE, 3]) });
      let best = -Infinity;
      for (const name of ['Identity:0', 'Identity_1:0']) {
        const scores = out[name].data as Float32Array;
        for (let i = 0; i < scores.length; i++) if (scores[i] > best) best = scores[i];
      }
      if (sigmoid(best) >= FACE_SCORE_THRESHOLD) faces++;
      faceScores.push(sigmoid(best));
    } else faceScores.push(null);
    used++;
  }
  if (used === 0) return { available: true, live_probability: null, per_model: {}, frames: 0, face_detected_ratio: null, reason: 'context_crops_undecodable' };

  const logits: Float32Array[] = [];
  const perModel: Record<string, number> = {};
  for (let m = 0; m < models.miniFasNet.length; m++) {
    const model = models.miniFasNet[m];
    const input = new ort.Tensor('float32', batches[m].subarray(0, used * plane), [used, 3, MINIFASNET_INPUT_SIZE, MINIFASNET_INPUT_SIZE]);
    const out = await runBatch(model.session, model.input, model.output, input, used);
    logits.push(out);
    let sum = 0;
    for (let i = 0; i < used; i++) sum += ensembleRealProbability([out.subarray(3 * i, 3 * i + 3)]);
    perModel[model.name] = sum / used;
  }
  // Upstream averages the models' softmax per frame; the capture's score is the face-quality
  // weighted mean over frames.
  const perFrame = Array.from({ length: used }, (_, i) => ({ p: ensembleRealProbability(logits.map((l) => l.subarray(3 * i, 3 * i + 3))), face: faceScores[i] }));
  return {
    available: true,
    live_probability: qualityWeightedMean(perFrame),
    per_frame: perFrame,
    per_model: perModel,
    frames: used,
    face_detected_ratio: models.blazeFace ? faces / used : null,
    fine_detail: medianOrNull(details),
    tonal_range: medianOrNull(ranges),
  };
}

/**
 * The capture's CNN score: the per-crop probabilities averaged with BlazeFace's face score as the
 * weight (a crop where the detector barely finds a face, mid-turn or blurred, counts less); equal
 * weights without BlazeFace. Upstream scores one frame; over 30 crops the mean is what is stable.
 */
export function qualityWeightedMean(frames: ReadonlyArray<{ p: number; face: number | null }>): number {
  let sum = 0, weights = 0;
  for (const f of frames) {
    const w = f.face === null ? 1 : Math.max(f.face, 0.05);
    sum += w * f.p;
    weights += w;
  }
  return weights > 0 ? sum / weights : Number.NaN;
}

/** Runs a whole batch when the model has a dynamic batch axis, else frame by frame. */
async function runBatch(session: ort.InferenceSession, inputName: string, outputName: string, input: ort.Tensor, n: number): Promise<Float32Array> {
  try {
    const out = await session.run({ [inputName]: input });
    return out[outputName].data as Float32Array;
  } catch {
    const result = new Float32Array(3 * n);
    const plane = 3 * MINIFASNET_INPUT_SIZE * MINIFASNET_INPUT_SIZE;
    const data = input.data as Float32Array;
    for (let i = 0; i < n; i++) {
      const one = new ort.Tensor('float32', data.subarray(i * plane, (i + 1) * plane), [1, 3, MINIFASNET_INPUT_SIZE, MINIFASNET_INPUT_SIZE]);
      const out = await session.run({ [inputName]: one });
      result.set(out[outputName].data as Float32Array, 3 * i);
    }
    return result;
  }
}
