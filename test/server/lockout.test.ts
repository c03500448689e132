// Per-user lockout: 5 failures in 3 minutes lock the user for 30 minutes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockedUntil } from '../../server/sessions/lockout.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const RULE = { failures: 5, windowS: 180, durationS: 1800 };
const MIN = 60_000;

describe('lockedUntil', () => {
  it('locks after 5 failures within 3 minutes, for 30 minutes from the fifth', () => {
    const times = [0, 30_000, 60_000, 90_000, 120_000];
    expect(lockedUntil(times, RULE, 121_000)).toBe(120_000 + 30 * MIN);
    expect(lockedUntil(times, RULE, 120_000 + 30 * MIN + 1)).toBeNull();
  });
  it('does not lock for 4 failures, or 5 spread over more than 3 minutes', () => {
    expect(lockedUntil([0, 1, 2, 3], RULE, 10)).toBeNull();
    expect(lockedUntil([0, MIN, 2 * MIN, 3 * MIN, 3 * MIN + 1], RULE, 4 * MIN)).toBeNull();
  });
  it('keeps the latest lock when bursts overlap', () => {
    const times = [0, 10, 20, 30, 40, 50_000];
    expect(lockedUntil(times, RULE, 60_000)).toBe(50_000 + 30 * MIN);
  });
});

describe('lockout through the API', () => {
  let t: TestApp;
  let clock = Date.now();
  beforeAll(async () => {
    t = await createTestApp({}, { now: () => clock, analyzer: false });
  });
  afterAll(async () => t.close());

  const create = (user: string) =>
    t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: 'Approve: payout', user_identifier: user } });

  it('refuses new sessions for a user after 5 spoof verdicts in 3 minutes, and lets them in 30 minutes later', async () => {
    for (let i = 0; i < 5; i++) {
      const id = (await create('mallory')).json().session_id;
      await t.app.services.sessions.completeSession(id, {
        verdict: 'spoof', score: 10, confidence: 0.9, checks: {}, frames_processed: 10, processing_ms: 100, failure_reasons: ['cnn:presentation_attack'],
      });
      clock += 20_000;
    }
    const locked = await create('mallory');
    expect(locked.statusCode).toBe(403);
    expect(locked.json().error.code).toBe('user_locked_out');
    expect(locked.json().error.details.locked_until).toBeTruthy();
    expect((await create('alice')).statusCode).toBe(201); // other users are not affected
    clock += 31 * MIN;
    expect((await create('mallory')).statusCode).toBe(201);
  });
});
