// Synthetic capture evidence, made the way a script holding the capture token would make it (the
// issue 11 reproduction): random-noise face crops whose colour carries a clean 72 bpm pulse, ROI
// means that agree with those crops, one frozen set of landmarks, noise context crops for the CNN,
// and, when asked, a tint that follows the light-challenge colours the server reveals.
import jpeg from 'jpeg-js';
import type { CaptureChunk, ContextCrop, FrameRecord } from '../../../workers/codec/index.ts';

export interface SyntheticOptions {
  /** Frozen landmarks (quantised subset), e.g. a real capture's, nudged so their bytes differ. */
  landmarks: Uint16Array;
  /** Face box in the frame, normalised [x, y, w, h]. */
  box: [number, number, number, number];
  fps?: number;
  /** The fake pulse. */
  bpm?: number;
  faceCropSize?: number;
  contextCropSize?: number;
  /** Deterministic noise (tests). */
  seed?: number;
}

type Rgb = [number, number, number];

/** Builds frames and context crops on demand, second by second, so a live attacker can pace them. */
export function createSyntheticSource(opts: SyntheticOptions) {
  const fps = opts.fps ?? 30;
  const size = opts.faceCropSize ?? 64;
  const ctxSize = opts.contextCropSize ?? 160;
  const hz = (opts.bpm ?? 72) / 60;
  let seed = opts.seed ?? 12345;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff);
  const skin: Rgb = [172, 124, 104];

  function noiseJpeg(side: number, mean: Rgb): Uint8Array {
    const rgba = new Uint8Array(side * side * 4);
    for (let p = 0; p < side * side; p++) {
      const n = 60 * (random() - 0.5);
      for (let c = 0; c < 3; c++) rgba[4 * p + c] = Math.max(0, Math.min(255, Math.round(mean[c] + n + 20 * (random() - 0.5))));
      rgba[4 * p + 3] = 255;
    }
    return new Uint8Array(jpeg.encode({ data: rgba, width: side, height: side }, 90).data);
  }

  /** The face colour at time t (ms): skin, the pulse on green, plus a share of the screen colour. */
  function colourAt(t: number, light: Rgb | null): Rgb {
    const pulse = 2.5 * Math.sin((2 * Math.PI * hz * t) / 1000);
    const out: Rgb = [skin[0] + 0.6 * pulse, skin[1] + pulse, skin[2] + 0.4 * pulse];
    if (light) for (let c = 0; c < 3; c++) out[c] = Math.min(255, out[c] + 0.06 * light[c]);
    return out;
  }

  return {
    fps,
    /** One frame at t (ms since the capture start); `light`: the colour the screen shows then. */
    frame(t: number, light: Rgb | null = null): FrameRecord {
      const mean = colourAt(t, light);
      return {
        t,
        lm: opts.landmarks.slice(),
        roi: new Float32Array([...mean, ...mean, ...mean]),
        skin: new Uint32Array([900, 700, 700]),
        box: new Float32Array(opts.box),
        crop: noiseJpeg(size, mean),
      };
    },
    context(t: number): ContextCrop {
      const [x, y, w, h] = opts.box;
      return { t, box: new Float32Array([x - w / 2, y - h / 2, w * 2, h * 2]), crop: noiseJpeg(ctxSize, skin) };
    },
  };
}

/** A whole synthetic capture at once, chunked by second (no light challenge followed). */
export function syntheticChunks(binding: Pick<CaptureChunk, 'session_id' | 'attempt_id' | 'nonce'>, durationMs: number, frameCount: number, opts: SyntheticOptions): CaptureChunk[] {
  const src = createSyntheticSource(opts);
  const chunks: CaptureChunk[] = [];
  const times = Array.from({ length: Math.floor((durationMs * src.fps) / 1000) }, (_, i) => 20 + (i * 1000) / src.fps);
  const contextAt = new Set(Array.from({ length: frameCount }, (_, k) => Math.floor(((k + 0.5) * times.length) / frameCount)));
  for (let seq = 0; seq * 1000 < durationMs; seq++) {
    const idx = times.map((t, i) => [t, i] as const).filter(([t]) => t >= seq * 1000 && t < (seq + 1) * 1000);
    chunks.push({
      v: 1,
      ...binding,
      seq,
      frames: idx.map(([t]) => src.frame(t)),
      context: idx.filter(([, i]) => contextAt.has(i)).map(([t]) => src.context(t)),
    });
  }
  return chunks.filter((c) => c.frames.length > 0);
}
