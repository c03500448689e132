// Face embeddings with MobileFaceNet (models/models.json `mobilefacenet`) in onnxruntime-node:
// the server aligns each crop itself (workers/face/align.ts) from the landmarks, normalises the
// 128-d output to unit length, and compares by cosine similarity. A client never sends an
// embedding.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ALIGNED_SIZE } from '../../workers/face/align.ts';

export const MOBILEFACENET_FILE = 'MobileFaceNet.onnx';
/** The model id carried in templates and attestations (manifest name @ sha256 prefix). */
export const IDENTITY_MODEL = 'mobilefacenet@b7120c09';
export const EMBEDDING_SIZE = 128;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export interface FaceEmbedder {
  readonly model: string;
  /** Unit-length embedding of a 112x112 aligned RGB face (interleaved, 0..255). */
  embed(rgb: ArrayLike<number>): Promise<Float32Array>;
  release(): Promise<void>;
}

export class IdentityModelMissing extends Error {
  readonly code = 'identity_unavailable';
  constructor(modelsDir: string) {
    super(`Model ${MOBILEFACENET_FILE} is missing from ${modelsDir}; run \`livegate models fetch\` (it is optional: only the identity check needs it).`);
    this.name = 'IdentityModelMissing';
  }
}

export function identityModelPresent(modelsDir: string): boolean {
  return existsSync(path.join(modelsDir, MOBILEFACENET_FILE));
}

/** NCHW float32, RGB /255 then ImageNet mean/std per channel. */
export function toInputTensor(rgb: ArrayLike<number>, out = new Float32Array(3 * ALIGNED_SIZE * ALIGNED_SIZE)): Float32Array {
  const plane = ALIGNED_SIZE * ALIGNED_SIZE;
  if (rgb.length !== 3 * plane) throw new RangeError(`an aligned face needs ${3 * plane} values, got ${rgb.length}`);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (rgb[3 * i + c] / 255 - MEAN[c]) / STD[c];
  }
  return out;
}

export function l2normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  const out = new Float32Array(v.length);
  if (!(norm > 0)) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i] / norm;
  return out;
}

/** Cosine similarity of two unit vectors (their dot product). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError('embeddings of different sizes');
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

/** The template of several frame embeddings: their mean, normalised again. */
export function meanTemplate(embeddings: readonly ArrayLike<number>[]): Float32Array {
  if (embeddings.length === 0) throw new RangeError('a template needs at least one embedding');
  const sum = new Float32Array(embeddings[0].length);
  for (const e of embeddings) for (let i = 0; i < sum.length; i++) sum[i] += e[i];
  return l2normalise(sum);
}

export async function loadFaceEmbedder(modelsDir: string): Promise<FaceEmbedder> {
  const file = path.join(modelsDir, MOBILEFACENET_FILE);
  if (!existsSync(file)) throw new IdentityModelMissing(modelsDir);
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  const buffer = new Float32Array(3 * ALIGNED_SIZE * ALIGNED_SIZE);
  return {
    model: IDENTITY_MODEL,
    async embed(rgb) {
      // The batch axis is fixed at 1: one crop per run.
      const tensor = new ort.Tensor('float32', toInputTensor(rgb, buffer).slice(), [1, 3, ALIGNED_SIZE, ALIGNED_SIZE]);
      const out = await session.run({ [input]: tensor });
      const raw = out[output].data as Float32Array;
      if (raw.length !== EMBEDDING_SIZE) throw new Error(`${MOBILEFACENET_FILE} returned ${raw.length} values, expected ${EMBEDDING_SIZE}`);
      return l2normalise(raw);
    },
    release: () => session.release(),
  };
}
