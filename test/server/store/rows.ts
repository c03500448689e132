// Row builders shared by the store suites: a valid session and attempt with overridable fields.
import { expect } from 'vitest';
import { StoreError, type AttemptRow, type SessionRow } from '../../../server/store/types.ts';

export const T0 = 1_800_000_000_000;

export function session(over: Partial<SessionRow> = {}): SessionRow {
  const id = over.id ?? crypto.randomUUID();
  return {
    id,
    tenant_id: 'ten_a',
    status: 'pending',
    action_description: 'Transfer 500 EUR to ACME',
    action_details: { amount: 500, currency: 'EUR' },
    action_sha256: 'a'.repeat(64),
    risk_level: 'standard',
    frame_count: 10,
    timeout_s: 300,
    max_attempts: 3,
    attempts_used: 0,
    user_identifier: null,
    audience: null,
    nonce: null,
    policy_id: null,
    policy: { min_score: 0.5 },
    metadata: null,
    capture_token_hash: 'c'.repeat(64),
    idempotency_key: null,
    request_hash: null,
    verdict: null,
    failure_reasons: null,
    cancel_reason: null,
    created_at: T0,
    expires_at: T0 + 300_000,
    opened_at: null,
    completed_at: null,
    updated_at: T0,
    webhooks_queued_at: null,
    ...over,
  };
}

export function attempt(sessionId: string, number: number, over: Partial<AttemptRow> = {}): AttemptRow {
  return {
    id: `att_${sessionId}_${number}`,
    session_id: sessionId,
    number,
    status: 'capturing',
    nonce: `nonce-${number}`,
    plan: { fps: 30, duration_ms: 4000 },
    light_challenge: null,
    device_profile: null,
    client_summary: null,
    result: null,
    started_at: T0 + number,
    finished_at: null,
    ...over,
  };
}

/** Awaits `p` and asserts it failed with a StoreError of `code`. */
export async function expectStoreError(p: Promise<unknown>, code: StoreError['code']): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe(code);
}
