// One declaration, every side agrees: the server's error table answers each protocol capture code
// with the protocol's status, the page's client knows them, the codec's limits are the plan's,
// and docs/PROTOCOL.md lists the same codes and statuses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_LIMITS, MAX_CHUNK_BYTES, MAX_FRAMES_PER_CHUNK } from '../../../workers/codec/index.ts';
import { CAPTURE_ERROR_CODES, CAPTURE_ERROR_STATUS, CAPTURE_LIMITS, CLIENT_ERROR_CODES } from '../../../workers/protocol/index.ts';
import { AppError, ERROR_TABLE } from '../../../server/errors.ts';

const root = join(import.meta.dirname, '../../..');

describe('capture error codes', () => {
  it('every protocol code is in the server table with the same HTTP status and a hint', () => {
    for (const code of CAPTURE_ERROR_CODES) {
      expect(ERROR_TABLE[code].status, code).toBe(CAPTURE_ERROR_STATUS[code]);
      expect(new AppError(code, 'x').toBody().error.hint.length, code).toBeGreaterThan(10);
    }
  });
  it('keeps the existing code strings and statuses', () => {
    expect(CAPTURE_ERROR_STATUS).toEqual({
      bundle_invalid: 400, nonce_mismatch: 400, capture_token_invalid: 401, session_not_found: 404, session_terminal: 409, session_expired: 409,
      attempt_mismatch: 409, attempts_exhausted: 409, chunk_conflict: 409, capture_incomplete: 409, light_challenge_not_issued: 409,
      chunk_too_large: 413, evidence_too_large: 413,
    });
  });
  it('the page-side codes never collide with a server code', () => {
    for (const code of CLIENT_ERROR_CODES) expect(Object.keys(ERROR_TABLE)).not.toContain(code);
  });
  it('docs/PROTOCOL.md lists each capture code with its status', () => {
    const doc = readFileSync(join(root, 'docs/PROTOCOL.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Errors'), doc.indexOf('## ', doc.indexOf('## Errors') + 3));
    const listed = Object.fromEntries([...section.matchAll(/`([a-z_]+)` \((\d{3})\)/g)].map((m) => [m[1], Number(m[2])]));
    expect(listed).toEqual(CAPTURE_ERROR_STATUS);
  });
});

describe('capture limits', () => {
  it('the codec decodes with the plan limits by default', () => {
    expect(MAX_CHUNK_BYTES).toBe(CAPTURE_LIMITS.maxChunkBytes);
    expect(MAX_FRAMES_PER_CHUNK).toBe(CAPTURE_LIMITS.maxFramesPerChunk);
    expect(DEFAULT_BUNDLE_LIMITS.maxBytes).toBe(CAPTURE_LIMITS.maxChunkBytes);
    expect(DEFAULT_BUNDLE_LIMITS.maxFrames).toBe(CAPTURE_LIMITS.maxFramesPerChunk);
  });
  it('one chunk at the frame limit fits the frame rate, and the total holds many chunks', () => {
    expect(CAPTURE_LIMITS.maxFramesPerChunk).toBeGreaterThanOrEqual((CAPTURE_LIMITS.fps * CAPTURE_LIMITS.chunkMs) / 1000);
    expect(CAPTURE_LIMITS.maxTotalBytes).toBeGreaterThan(CAPTURE_LIMITS.maxChunkBytes);
  });
});
