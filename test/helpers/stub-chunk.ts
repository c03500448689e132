// A capture chunk of constant frames for protocol tests (the codec checks markers and sizes; the
// analysis, when on, decodes later): the same landmarks, ROI means and face box in every frame.
import { LANDMARK_SUBSET, type CaptureChunk } from '../../workers/codec/index.ts';

/** The smallest JPEG-shaped crop: start and end markers. */
export const JPEG_STUB = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);

export interface ChunkBinding {
  session_id: string;
  attempt_id: string;
  nonce: string;
}

/** Chunk `seq` of an attempt: `frames` frames at 30 fps, each carrying `crop`, no context crops. */
export function stubChunk(base: ChunkBinding, seq: number, frames = 30, crop: Uint8Array = JPEG_STUB): CaptureChunk {
  return {
    v: 1,
    ...base,
    seq,
    frames: Array.from({ length: frames }, (_, i) => ({
      t: (seq * frames + i) * 33.3,
      lm: new Uint16Array(LANDMARK_SUBSET.length * 2).fill(30000),
      roi: new Float32Array([180, 120, 100, 175, 118, 98, 176, 119, 99]),
      skin: new Uint32Array([900, 700, 700]),
      box: new Float32Array([0.3, 0.2, 0.4, 0.5]),
      crop,
    })),
    context: [],
  };
}
