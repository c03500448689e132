// Hard limits applied before and after decoding a capture chunk. The chunk byte and frame limits
// are the capture plan's (workers/protocol/limits.ts); a server may pass tighter ones.
import { CAPTURE_LIMITS } from '../protocol/limits.ts';

export interface BundleLimits {
  /** Encoded size; checked before any decoding. */
  maxBytes: number;
  maxFrames: number;
  maxContextCrops: number;
  /** Per face crop JPEG. */
  maxCropBytes: number;
  /** Per context crop JPEG. */
  maxContextCropBytes: number;
  /** Identity crops per chunk, and bytes per identity crop JPEG. */
  maxIdentityCrops: number;
  maxIdentityCropBytes: number;
  /** CBOR nesting depth (a chunk needs 5). */
  maxDepth: number;
  /** Largest accepted timestamp, ms (a capture is seconds long; this only bounds nonsense). */
  maxTimestampMs: number;
  maxSeq: number;
}

export const MAX_CHUNK_BYTES = CAPTURE_LIMITS.maxChunkBytes;
export const MAX_FRAMES_PER_CHUNK = CAPTURE_LIMITS.maxFramesPerChunk;
export const MAX_CONTEXT_CROPS_PER_CHUNK = 16;
export const MAX_FACE_CROP_BYTES = 32_768;
export const MAX_CONTEXT_CROP_BYTES = 131_072;
export const MAX_CBOR_DEPTH = 8;
export const MAX_IDENTITY_CROPS_PER_CHUNK = 8;
export const MAX_IDENTITY_CROP_BYTES = 65_536;
export const MAX_TIMESTAMP_MS = 3_600_000;
export const MAX_SEQ = 100_000;

export const DEFAULT_BUNDLE_LIMITS: Readonly<BundleLimits> = Object.freeze({
  maxBytes: MAX_CHUNK_BYTES,
  maxFrames: MAX_FRAMES_PER_CHUNK,
  maxContextCrops: MAX_CONTEXT_CROPS_PER_CHUNK,
  maxCropBytes: MAX_FACE_CROP_BYTES,
  maxContextCropBytes: MAX_CONTEXT_CROP_BYTES,
  maxIdentityCrops: MAX_IDENTITY_CROPS_PER_CHUNK,
  maxIdentityCropBytes: MAX_IDENTITY_CROP_BYTES,
  maxDepth: MAX_CBOR_DEPTH,
  maxTimestampMs: MAX_TIMESTAMP_MS,
  maxSeq: MAX_SEQ,
});

export function resolveBundleLimits(limits?: Partial<BundleLimits>): BundleLimits {
  return limits ? { ...DEFAULT_BUNDLE_LIMITS, ...limits } : DEFAULT_BUNDLE_LIMITS;
}
