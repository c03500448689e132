// Frame-bundle codec: CBOR encode/decode of protocol v1 capture chunks.
export type { CaptureChunk, FrameRecord, ContextCrop, IdentityCrop } from './capture-chunk.ts';
export { BundleError, isBundleError, type BundleErrorCode } from './bundle-error.ts';
export {
  DEFAULT_BUNDLE_LIMITS, MAX_CHUNK_BYTES, MAX_FRAMES_PER_CHUNK, MAX_CONTEXT_CROPS_PER_CHUNK,
  MAX_FACE_CROP_BYTES, MAX_CONTEXT_CROP_BYTES, MAX_CBOR_DEPTH, MAX_TIMESTAMP_MS, MAX_SEQ,
  MAX_IDENTITY_CROPS_PER_CHUNK, MAX_IDENTITY_CROP_BYTES,
  resolveBundleLimits, type BundleLimits,
} from './bundle-limits.ts';
export { encodeCaptureChunk, type EncodeCaptureChunkOptions } from './encode-capture-chunk.ts';
export { decodeCaptureChunk, type DecodeCaptureChunkOptions } from './decode-capture-chunk.ts';
export { validateCaptureChunk } from './validate-capture-chunk.ts';
export { LANDMARK_SUBSET, LANDMARK_SUBSET_VALUES } from '../face/landmark-subset.ts';
