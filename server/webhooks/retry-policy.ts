// What to do after a delivery attempt: delivered, retry later (and when), or give up.
// Exponential backoff with full jitter (delay = random * min(cap, base * 2^(n-1))) spreads the
// retries of many failing deliveries instead of hammering a recovering receiver in waves.

export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_BASE_DELAY_MS = 5_000;
export const DEFAULT_MAX_DELAY_MS = 60 * 60 * 1000;
/** Other 4xx answers are probably a receiver bug; a few tries cover a deploy in progress. */
export const DEFAULT_MAX_CLIENT_ERROR_ATTEMPTS = 3;

export interface RetryPolicy {
  maxAttempts: number;
  maxClientErrorAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The result of one HTTP attempt, as the policy sees it. */
export type AttemptResult =
  | { kind: 'response'; statusCode: number; retryAfter: string | null }
  | { kind: 'error'; error: string };

export type AttemptDecision =
  | { action: 'delivered' }
  | { action: 'retry'; delayMs: number; reason: string }
  | { action: 'dead'; reason: string }
  | { action: 'disable_endpoint'; reason: string };

/** Full-jitter exponential backoff for the retry after `attempt` failed attempts (1-based). */
export function backoffDelayMs(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  // At least 1 ms, so a retry is never due in the same instant as the attempt that failed.
  return Math.max(1, Math.round(random() * ceiling));
}

/**
 * Parses a Retry-After header (delta-seconds or an HTTP date) into milliseconds from `now`.
 * Returns null when absent or unparseable.
 */
export function parseRetryAfterMs(value: string | null, now: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names a weekday or month; Date.parse alone would read "-5" or "2026" as dates.
  if (!/[a-z]{3}/i.test(trimmed)) return null;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** Decides the fate of a delivery after its `attempt`-th attempt (1-based). */
export function decideAfterAttempt(result: AttemptResult, attempt: number, policy: RetryPolicy, now: number, random: () => number): AttemptDecision {
  if (result.kind === 'response' && result.statusCode >= 200 && result.statusCode < 300) {
    return { action: 'delivered' };
  }
  if (result.kind === 'response' && result.statusCode === 410) {
    return { action: 'disable_endpoint', reason: 'receiver answered 410 Gone' };
  }
  const reason = result.kind === 'error' ? result.error : `receiver answered HTTP ${result.statusCode}`;
  const transient =
    result.kind === 'error' || result.statusCode >= 500 || result.statusCode === 429 || result.statusCode === 408;
  const limit = transient ? policy.maxAttempts : Math.min(policy.maxAttempts, policy.maxClientErrorAttempts);
  if (attempt >= limit) {
    return { action: 'dead', reason: `${reason}; gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}` };
  }
  const retryAfterMs = result.kind === 'response' ? parseRetryAfterMs(result.retryAfter, now) : null;
  // The receiver's Retry-After wins over our backoff, bounded so a huge value cannot park a
  // delivery for days (and at least 1 ms so the retry is never due in the same instant).
  const delayMs =
    retryAfterMs !== null ? Math.min(policy.maxDelayMs, Math.max(1, retryAfterMs)) : backoffDelayMs(attempt, policy, random);
  return { action: 'retry', delayMs, reason };
}
