// CaptureChunk -> CBOR bytes. Typed arrays travel as RFC 8746 typed-array tags (cbor-x's default);
// the chunk is validated first so a client never sends what the server would refuse.
// Uint8Arrays (the JPEG crops) travel as plain byte strings: with tagUint8Array, cbor-x in a
// browser (no Buffer) wraps them in a second tag that the decoder refuses.
import { Encoder } from 'cbor-x';
import { BundleError } from './bundle-error.ts';
import type { CaptureChunk } from './capture-chunk.ts';
import { resolveBundleLimits, type BundleLimits } from './bundle-limits.ts';
import { validateCaptureChunk } from './validate-capture-chunk.ts';

export interface EncodeCaptureChunkOptions {
  limits?: Partial<BundleLimits>;
}

let encoder: Encoder | undefined;

export function encodeCaptureChunk(chunk: CaptureChunk, options: EncodeCaptureChunkOptions = {}): Uint8Array {
  const limits = resolveBundleLimits(options.limits);
  validateCaptureChunk(chunk, limits);
  // Plain maps with text keys only: no records/structures, which the decoder refuses anyway.
  encoder ??= new Encoder({ useRecords: false, mapsAsObjects: true, pack: false, tagUint8Array: false });
  const bytes = encoder.encode(chunk);
  if (bytes.length > limits.maxBytes) {
    throw new BundleError('bundle_too_large', `encoded chunk is ${bytes.length} bytes, limit ${limits.maxBytes}`);
  }
  // A fresh Uint8Array (not a pooled Buffer view) safe to keep or transfer.
  return Uint8Array.prototype.slice.call(bytes);
}
