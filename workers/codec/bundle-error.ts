// One typed error for everything that can go wrong with a capture chunk's bytes.

export type BundleErrorCode =
  /** More bytes than the limit: rejected before decoding (HTTP 413 chunk_too_large). */
  | 'bundle_too_large'
  /** Not well-formed CBOR, or CBOR outside the accepted subset (tags, depth, lengths). */
  | 'bundle_malformed'
  /** Well-formed CBOR that does not match CaptureChunk v1 or its limits (HTTP 400 bundle_invalid). */
  | 'bundle_invalid';

export class BundleError extends Error {
  override name = 'BundleError';
  readonly code: BundleErrorCode;
  /** Validation issues as `path: message`, for logs and the audit trail. */
  readonly issues: readonly string[];

  constructor(code: BundleErrorCode, message: string, options?: { cause?: unknown; issues?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options?.issues ?? [];
  }
}

export function isBundleError(value: unknown): value is BundleError {
  return value instanceof BundleError;
}
