// Error codes the capture endpoints answer, with their HTTP status, and the error body shape.
// server/errors.ts takes these statuses for its table (one mapping, tested to agree); the page
// adds the codes it raises itself when no answer came back.
import { z } from 'zod';

export const CAPTURE_ERROR_STATUS = {
  bundle_invalid: 400,
  nonce_mismatch: 400,
  capture_token_invalid: 401,
  session_not_found: 404,
  session_terminal: 409,
  session_expired: 409,
  attempt_mismatch: 409,
  attempts_exhausted: 409,
  chunk_conflict: 409,
  capture_incomplete: 409,
  light_challenge_not_issued: 409,
  chunk_too_large: 413,
  evidence_too_large: 413,
} as const;

export type CaptureErrorCode = keyof typeof CAPTURE_ERROR_STATUS;
export const CAPTURE_ERROR_CODES = Object.keys(CAPTURE_ERROR_STATUS) as CaptureErrorCode[];

/** Raised by the page's client itself: no usable answer from the server. */
export const CLIENT_ERROR_CODES = ['network_lost', 'aborted', 'server_error'] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** Every code the page's capture client can report. */
export type CaptureApiErrorCode = CaptureErrorCode | ClientErrorCode;

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('Stable error code (see docs/API.md)'),
    message: z.string(),
    hint: z.string().describe('What to do next'),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
