// The CNN anchor: bare onnxruntime-node MiniFASNet inference on the same context crops the
// analysis scores. The crops are decoded and cut into tensors once, outside the timing; what is
// timed is only `session.run` on one batch per model, with the thread settings the server's
// worker uses (1 intra-op thread), so the ratio to the analysis is Livegate's own cost per core.
import { existsSync } from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import * as ort from 'onnxruntime-node';
import { faceInCrop } from '../../../server/analysis/cnn.ts';
import type { CaptureChunk } from '../../../workers/codec/index.ts';
import { computeCropBounds, cropToBgrTensor, MINIFASNET_INPUT_SIZE, MINIFASNET_MODELS } from '../../../workers/cnn/index.ts';

export interface BareOnnx {
  /** Crops in the batch (the same ones runCnn scores). */
  crops: number;
  models: string[];
  /** One batched inference per model over all crops. */
  run(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Real crops only: synthetic pixels (noise, grey, zeros) ran MiniFASNetV2 in about half the time
 * of these face crops on the same machine, so an anchor on made-up input would flatter the ratio.
 */
export async function loadBareOnnx(modelsDir: string, chunks: CaptureChunk[], frameCount: number): Promise<BareOnnx> {
  const byTime = new Map(chunks.flatMap((c) => c.frames).map((f) => [f.t, f]));
  const contexts = chunks.flatMap((c) => c.context).slice(0, frameCount);
  const crops = contexts.length;
  const size = MINIFASNET_INPUT_SIZE;
  const plane = 3 * size * size;
  const specs = MINIFASNET_MODELS.filter((m) => existsSync(path.join(modelsDir, m.file)));
  if (specs.length === 0) throw new Error(`no MiniFASNet model in ${modelsDir}; run \`livegate models fetch\``);
  const batches = specs.map(() => new Float32Array(crops * plane));
  contexts.forEach((context, i) => {
    const image = jpeg.decode(context.crop, { useTArray: true, formatAsRGBA: true });
    const face = faceInCrop(context, byTime.get(context.t), image.width);
    specs.forEach((spec, m) => {
      const bounds = computeCropBounds(face, image.width, image.height, spec.scale);
      cropToBgrTensor(image.data, image.width, image.height, bounds, size, 4, batches[m].subarray(i * plane, (i + 1) * plane));
    });
  });
  const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 };
  const sessions = await Promise.all(specs.map((spec) => ort.InferenceSession.create(path.join(modelsDir, spec.file), options)));
  const inputs = specs.map((_, m) => new ort.Tensor('float32', batches[m], [crops, 3, size, size]));
  return {
    crops,
    models: specs.map((s) => s.name),
    async run() {
      for (let m = 0; m < sessions.length; m++) {
        const out = await sessions[m].run({ [specs[m].inputName]: inputs[m] });
        if ((out[specs[m].outputName].data as Float32Array).length !== 3 * crops) throw new Error(`${specs[m].name}: unexpected output size`);
      }
    },
    async release() {
      for (const s of sessions) await s.release();
    },
  };
}
