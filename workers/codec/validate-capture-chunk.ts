// Runs the CaptureChunk schema and turns failures into BundleError('bundle_invalid').
import { BundleError } from './bundle-error.ts';
import type { CaptureChunk } from './capture-chunk.ts';
import { createCaptureChunkSchema } from './capture-chunk-schema.ts';
import { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from './bundle-limits.ts';

type Schema = ReturnType<typeof createCaptureChunkSchema>;
let defaultSchema: Schema | undefined;

export function validateCaptureChunk(value: unknown, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): CaptureChunk {
  const schema = limits === DEFAULT_BUNDLE_LIMITS
    ? (defaultSchema ??= createCaptureChunkSchema(limits))
    : createCaptureChunkSchema(limits);
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new BundleError('bundle_invalid', `capture chunk invalid: ${issues[0] ?? 'unknown'}`, { issues });
  }
  return result.data as CaptureChunk;
}
