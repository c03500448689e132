// One table of error codes for the HTTP API, the capture protocol and the MCP tools.
// A user-facing error says what happened (message) and what to do next (hint). The capture
// codes and their statuses are the protocol's (workers/protocol/errors.ts).
import { CAPTURE_ERROR_STATUS as CAPTURE, type CaptureErrorCode, type ErrorBody } from '../workers/protocol/index.ts';

export const ERROR_TABLE = {
  // 400
  invalid_request: { status: 400, hint: 'Fix the request body or query as described and send it again.' },
  elicitation_cancelled: { status: 400, hint: 'Nothing was saved. Call the tool again, or pass every field yourself to skip the questions.' },
  bundle_invalid: { status: CAPTURE.bundle_invalid, hint: 'The evidence chunk could not be decoded; reload the page and capture again.' },
  nonce_mismatch: { status: CAPTURE.nonce_mismatch, hint: 'The chunk belongs to another attempt; restart the capture.' },
  policy_below_floor: { status: 400, hint: "Leave the named field out (the risk level's default applies) or make it stricter; policies can only tighten verification." },
  webhook_url_forbidden: { status: 400, hint: 'Use a public receiver URL; LIVEGATE_WEBHOOK_ALLOW_PRIVATE=1 on the server allows private receivers.' },
  input_too_deep: { status: 400, hint: 'Flatten the JSON: objects and arrays may nest at most 32 levels.' },
  user_identifier_required: { status: 400, hint: "Send user_identifier: the policy's identity mode compares the face with that user's enrolled template." },
  invalid_text: { status: 400, hint: 'Send well-formed Unicode text without NUL characters (no lone surrogates, no \\u0000).' },
  // 401
  unauthorized: { status: 401, hint: 'Send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>".' },
  capture_token_invalid: { status: CAPTURE.capture_token_invalid, hint: 'Open the verification link exactly as it was given to you; it carries its own token.' },
  // 403
  insufficient_scope: { status: 403, hint: 'Use an API key that has the named scope (livegate keys create --scopes ...).' },
  user_locked_out: { status: 403, hint: 'Too many failed verifications for this user; wait for the lockout to end.' },
  host_not_allowed: { status: 403, hint: 'Reach the server through its public URL or localhost, or add the host to LIVEGATE_ALLOWED_HOSTS.' },
  // 404
  not_found: { status: 404, hint: 'Check the path; the API lives under /v1.' },
  session_not_found: { status: CAPTURE.session_not_found, hint: 'Check the session id; sessions of other tenants are not visible.' },
  attestation_not_found: { status: 404, hint: 'Check the attestation id (jti = session id).' },
  policy_not_found: { status: 404, hint: 'List policies to find a valid id.' },
  webhook_not_found: { status: 404, hint: 'List webhooks to find a valid id.' },
  api_key_not_found: { status: 404, hint: 'List keys with `livegate keys list`.' },
  // 405
  method_not_allowed: { status: 405, hint: 'See /docs for the methods each route accepts.' },
  // 409
  idempotency_conflict: { status: 409, hint: 'Reuse an Idempotency-Key only with the same body, or send a new key.' },
  session_not_completed: { status: 409, hint: 'Wait until the session is completed (poll its status or use wait_for_verification).' },
  session_terminal: { status: CAPTURE.session_terminal, hint: 'The session has ended; create a new session.' },
  session_expired: { status: CAPTURE.session_expired, hint: 'The session expired; ask for a new verification link.' },
  attempt_mismatch: { status: CAPTURE.attempt_mismatch, hint: 'Another capture attempt replaced this one; restart the capture.' },
  attempts_exhausted: { status: CAPTURE.attempts_exhausted, hint: 'No attempts left on this session; ask for a new verification link.' },
  chunk_conflict: { status: CAPTURE.chunk_conflict, hint: 'A different chunk was already stored under this sequence number; restart the capture.' },
  capture_incomplete: { status: CAPTURE.capture_incomplete, hint: 'Send every chunk before finishing, then finish again.' },
  light_challenge_not_issued: { status: CAPTURE.light_challenge_not_issued, hint: 'This attempt has no light challenge; capture without asking for colours.' },
  // 413, 415
  payload_too_large: { status: 413, hint: 'Send a smaller body.' },
  chunk_too_large: { status: CAPTURE.chunk_too_large, hint: 'Split the evidence into smaller chunks.' },
  evidence_too_large: { status: CAPTURE.evidence_too_large, hint: 'The capture sent more evidence than the plan allows; restart the capture.' },
  unsupported_media_type: { status: 415, hint: 'Send JSON with "Content-Type: application/json" (chunks: application/cbor).' },
  // 429
  rate_limited: { status: 429, hint: 'Slow down; retry after the number of seconds in Retry-After.' },
  too_many_mcp_sessions: {
    status: 429,
    hint: 'Close MCP sessions you no longer use (DELETE /mcp with their mcp-session-id), or wait: idle ones expire. The caps are LIVEGATE_MCP_MAX_SESSIONS_PER_KEY and LIVEGATE_MCP_MAX_SESSIONS_PER_TENANT.',
  },
  // 5xx
  internal_error: { status: 500, hint: 'Retry later; if it persists, report it with the request id.' },
  service_unavailable: { status: 503, hint: 'A dependency is unavailable; retry later.' },
  not_ready: { status: 503, hint: 'Run `livegate doctor` on this host: it names each failing prerequisite and its fix.' },
  identity_unavailable: { status: 503, hint: 'Run `livegate models fetch` (MobileFaceNet.onnx) on the server, or set the policy\'s identity to "off".' },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

// Every protocol capture code has its entry (a missing one fails to compile).
ERROR_TABLE satisfies Record<CaptureErrorCode, { status: number }>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly hint: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { hint?: string; details?: Record<string, unknown>; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.statusCode = ERROR_TABLE[code].status;
    this.hint = options?.hint ?? ERROR_TABLE[code].hint;
    this.details = options?.details;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, hint: this.hint, ...(this.details ? { details: this.details } : {}) } };
  }
}

export type { ErrorBody };

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
