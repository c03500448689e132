// zod schema of CaptureChunk v1, applied after decoding: shapes, lengths, finite numbers, limits.
import { z } from 'zod';
import { LANDMARK_SUBSET_VALUES } from '../face/landmark-subset.ts';
import type { BundleLimits } from './bundle-limits.ts';

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

function allFinite(a: ArrayLike<number>, min: number, max: number): boolean {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!(v >= min && v <= max)) return false; // also false for NaN
  }
  return true;
}

function isJpeg(a: Uint8Array): boolean {
  return a.length >= 4 && a[0] === 0xff && a[1] === 0xd8 && a[2] === 0xff;
}

const float32Of = (length: number, min: number, max: number, what: string) =>
  z.instanceof(Float32Array)
    .refine((a) => a.length === length, `${what} needs ${length} values`)
    .refine((a) => allFinite(a, min, max), `${what} values must be finite, within [${min}, ${max}]`);

/** Normalised box [x, y, w, h]; a face at the frame's edge may reach a little outside [0, 1]. */
const box = float32Of(4, -1, 2, 'box')
  .refine((a) => a[2] >= 0 && a[3] >= 0, 'box width and height must not be negative');

const jpeg = (maxBytes: number, what: string) =>
  z.instanceof(Uint8Array)
    .refine((a) => a.length <= maxBytes, `${what} larger than ${maxBytes} bytes`)
    .refine(isJpeg, `${what} is not a JPEG`);

export function createCaptureChunkSchema(limits: BundleLimits) {
  const t = z.number().min(0).max(limits.maxTimestampMs);
  const frame = z.strictObject({
    t,
    lm: z.instanceof(Uint16Array)
      .refine((a) => a.length === LANDMARK_SUBSET_VALUES, `lm needs ${LANDMARK_SUBSET_VALUES} values`)
      .nullable(),
    roi: float32Of(9, 0, 255, 'roi'),
    skin: z.instanceof(Uint32Array).refine((a) => a.length === 3, 'skin needs 3 values'),
    box,
    crop: jpeg(limits.maxCropBytes, 'crop'),
  });
  const context = z.strictObject({
    t,
    box,
    crop: jpeg(limits.maxContextCropBytes, 'context crop'),
  });
  const identity = z.strictObject({
    t,
    box,
    lm: z.instanceof(Uint16Array).refine((a) => a.length === LANDMARK_SUBSET_VALUES, `lm needs ${LANDMARK_SUBSET_VALUES} values`),
    crop: jpeg(limits.maxIdentityCropBytes, 'identity crop'),
  });
  return z.strictObject({
    v: z.literal(1),
    session_id: z.string().regex(ID_PATTERN),
    attempt_id: z.string().regex(ID_PATTERN),
    nonce: z.string().regex(NONCE_PATTERN),
    seq: z.number().int().min(0).max(limits.maxSeq),
    frames: z.array(frame).max(limits.maxFrames),
    context: z.array(context).max(limits.maxContextCrops),
    identity: z.array(identity).max(limits.maxIdentityCrops).optional(),
  });
}
