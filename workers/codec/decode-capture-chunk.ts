// CBOR bytes -> validated CaptureChunk. Order: byte limit, structural pre-scan (bounded, no
// allocation), cbor-x decode with copied buffers, zod validation. Any failure is a BundleError.
import { Decoder } from 'cbor-x';
import { BundleError } from './bundle-error.ts';
import type { CaptureChunk } from './capture-chunk.ts';
import { resolveBundleLimits, type BundleLimits } from './bundle-limits.ts';
import { prescanCbor } from './cbor-prescan.ts';
import { validateCaptureChunk } from './validate-capture-chunk.ts';

export interface DecodeCaptureChunkOptions {
  limits?: Partial<BundleLimits>;
}

let decoder: Decoder | undefined;

export function decodeCaptureChunk(bytes: Uint8Array, options: DecodeCaptureChunkOptions = {}): CaptureChunk {
  const limits = resolveBundleLimits(options.limits);
  if (!(bytes instanceof Uint8Array)) throw new BundleError('bundle_malformed', 'chunk must be bytes');
  if (bytes.length > limits.maxBytes) {
    throw new BundleError('bundle_too_large', `chunk is ${bytes.length} bytes, limit ${limits.maxBytes}`);
  }
  prescanCbor(bytes, limits.maxDepth);
  // copyBuffers: decoded typed arrays own their memory instead of aliasing the request body.
  decoder ??= new Decoder({ useRecords: false, mapsAsObjects: true, copyBuffers: true });
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch (cause) {
    throw new BundleError('bundle_malformed', 'chunk is not valid CBOR', { cause });
  }
  return validateCaptureChunk(normalizeBytes(value), limits);
}

/** cbor-x may hand untagged byte strings back as Node Buffers: make them plain Uint8Arrays. */
function normalizeBytes(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) {
    return value.constructor !== Uint8Array && value instanceof Uint8Array
      ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      : value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = normalizeBytes(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = normalizeBytes(record[key]);
  return record;
}
