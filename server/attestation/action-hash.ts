// The action binding: SHA-256 over the RFC 8785 canonical JSON of {description, details}.
// A relying party recomputes this for the action it is about to execute; the attestation
// carries the same value, so any difference in wording or details is a mismatch.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export interface ActionInput {
  description: string;
  details?: unknown;
}

/** Canonical JSON of the action; `details` is left out when undefined. */
export function canonicalAction(description: string, details?: unknown): string {
  const action: Record<string, unknown> = { description };
  if (details !== undefined) action.details = details;
  const json = canonicalize(action);
  // canonicalize returns undefined only for undefined input; the object above never is.
  if (json === undefined) throw new TypeError('action cannot be canonicalised');
  return json;
}

/** Hex SHA-256 of the canonical action JSON. */
export function actionSha256(description: string, details?: unknown): string {
  return createHash('sha256').update(canonicalAction(description, details), 'utf8').digest('hex');
}
