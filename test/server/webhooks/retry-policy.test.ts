import { describe, expect, it } from 'vitest';
import { backoffDelayMs, decideAfterAttempt, parseRetryAfterMs, type RetryPolicy } from '../../../server/webhooks/retry-policy.ts';

const policy: RetryPolicy = { maxAttempts: 8, maxClientErrorAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 3_600_000 };
const NOW = Date.parse('2026-11-22T02:00:00Z');
const response = (statusCode: number, retryAfter: string | null = null) => ({ kind: 'response' as const, statusCode, retryAfter });

describe('parseRetryAfterMs', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfterMs('120', NOW)).toBe(120_000);
    expect(parseRetryAfterMs(' 0 ', NOW)).toBe(0);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfterMs(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfterMs('Sun, 22 Nov 2026 01:00:00 GMT', NOW)).toBe(0);
  });

  it('ignores absent and malformed values', () => {
    for (const value of [null, '', 'soon', '-5', '1.5', '10 seconds', 'May 2026 or so']) expect(parseRetryAfterMs(value, NOW)).toBeNull();
  });
});

describe('backoffDelayMs (full jitter)', () => {
  it('draws from [0, min(cap, base * 2^(attempt-1))]', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, policy, () => 1))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(backoffDelayMs(20, policy, () => 1)).toBe(3_600_000);
    expect(backoffDelayMs(3, policy, () => 0.25)).toBe(5_000);
  });

  it('is never zero, so a retry is never due in the instant of the failure', () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(1);
  });

  it('spreads retries: many draws cover the range', () => {
    const draws = Array.from({ length: 2_000 }, () => backoffDelayMs(2, policy, Math.random));
    expect(Math.min(...draws)).toBeLessThan(1_000);
    expect(Math.max(...draws)).toBeGreaterThan(9_000);
    expect(draws.every((d) => d >= 1 && d <= 10_000)).toBe(true);
  });
});

describe('decideAfterAttempt', () => {
  const decide = (result: Parameters<typeof decideAfterAttempt>[0], attempt = 1) => decideAfterAttempt(result, attempt, policy, NOW, () => 0.5);

  it('2xx is delivered', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(decide(response(status))).toEqual({ action: 'delivered' });
  });

  it('410 disables the endpoint at once', () => {
    expect(decide(response(410))).toMatchObject({ action: 'disable_endpoint' });
  });

  it('5xx, 429, 408 and network errors retry until maxAttempts, then dead', () => {
    for (const result of [response(500), response(503), response(429), response(408), { kind: 'error' as const, error: 'ECONNREFUSED' }]) {
      expect(decide(result, 7)).toMatchObject({ action: 'retry', delayMs: 160_000 });
      expect(decide(result, 8)).toMatchObject({ action: 'dead', reason: expect.stringContaining('gave up after 8 attempts') });
    }
  });

  it('other 4xx and 3xx retry only maxClientErrorAttempts times', () => {
    for (const status of [400, 401, 404, 422, 301]) {
      expect(decide(response(status), 2)).toMatchObject({ action: 'retry' });
      expect(decide(response(status), 3)).toMatchObject({ action: 'dead', reason: expect.stringContaining(`HTTP ${status}`) });
    }
  });

  it('Retry-After replaces the backoff, bounded by maxDelayMs', () => {
    expect(decide(response(429, '30'))).toEqual({ action: 'retry', delayMs: 30_000, reason: 'receiver answered HTTP 429' });
    expect(decide(response(503, '999999'))).toMatchObject({ delayMs: 3_600_000 });
    expect(decide(response(503, '0'))).toMatchObject({ delayMs: 1 });
    expect(decide(response(503, 'garbage'))).toMatchObject({ delayMs: 2_500 });
  });
});
