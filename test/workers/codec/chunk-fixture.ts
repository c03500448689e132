// A realistic capture chunk for codec tests, deterministic from a seed.
import type { CaptureChunk } from '../../../workers/codec/capture-chunk.ts';
import { LANDMARK_SUBSET_VALUES } from '../../../workers/face/landmark-subset.ts';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fakeJpeg(bytes: number, random: () => number): Uint8Array {
  const a = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) a[i] = Math.floor(random() * 256);
  a.set([0xff, 0xd8, 0xff, 0xe0]);
  a[bytes - 2] = 0xff;
  a[bytes - 1] = 0xd9;
  return a;
}

export function makeChunk(seed = 1, frames = 30, contextCrops = 2): CaptureChunk {
  const random = mulberry32(seed);
  return {
    v: 1,
    session_id: '2f1c7a9e-8d1b-4c55-9a0e-3b6f2d9c1e77',
    attempt_id: '9b0e4d2c-1a7f-4e3b-8c6d-5f2a1b0c9d8e',
    nonce: 'q7Zb3xR0kP2mW9sT4vY1nA',
    seq: 3,
    frames: Array.from({ length: frames }, (_, i) => {
      const lm = new Uint16Array(LANDMARK_SUBSET_VALUES);
      for (let k = 0; k < lm.length; k++) lm[k] = Math.floor(random() * 65536);
      return {
        t: 3000 + i * 33.4 + random(),
        lm: i % 3 === 2 ? null : lm,
        roi: Float32Array.from({ length: 9 }, () => random() * 255),
        skin: Uint32Array.from({ length: 3 }, () => Math.floor(random() * 5000)),
        box: Float32Array.from([0.3 + random() * 0.01, 0.2, 0.35, 0.45]),
        crop: fakeJpeg(1500 + Math.floor(random() * 1500), random),
      };
    }),
    context: Array.from({ length: contextCrops }, (_, i) => ({
      t: 3100 + i * 400,
      box: Float32Array.from([0.1, 0.05, 0.8, 0.9]),
      crop: fakeJpeg(8000, random),
    })),
  };
}
