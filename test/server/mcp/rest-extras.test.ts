// The REST routes `livegate mcp --url` relies on (server/routes/extra.ts), through inject().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../../helpers/app.ts';

describe('REST extras: whoami, checks, policies, reviews, wait', () => {
  let t: TestApp;
  const auth = (key = t.key) => ({ authorization: `Bearer ${key}` });
  const createSession = async () =>
    (await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth(), payload: { action_description: 'Approve: rotate keys' } })).json().session_id as string;

  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false });
  });
  afterAll(async () => t.close());

  it('whoami and checks', async () => {
    const me = await t.app.inject({ url: '/v1/whoami', headers: auth() });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ tenant: 'default', public_url: t.app.services.config.publicUrl, server_version: expect.any(String) });
    const checks = await t.app.inject({ url: '/v1/checks', headers: auth() });
    expect(checks.json().checks.map((c: { name: string }) => c.name)).toEqual(['pulse', 'cnn', 'light_challenge', 'motion']);
    expect((await t.app.inject({ url: '/v1/checks', headers: auth(await t.keyWith(['session:write'])) })).json().error.code).toBe('insufficient_scope');
    expect((await t.app.inject({ url: '/v1/whoami' })).statusCode).toBe(401);
  });

  it('policies: create (defaults filled), get, list, patch; validation and scopes', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(), payload: { name: 'kyc', config: { risk_level: 'high', max_attempts: 2 } } });
    expect(created.statusCode).toBe(201);
    const policy = created.json();
    expect(policy).toMatchObject({ name: 'kyc', config: { risk_level: 'high', frame_count: 30, max_attempts: 2, timeout_s: 300 } });
    expect(policy.config).not.toHaveProperty('webhook_url');
    expect(policy.policy_id).toMatch(/^pol_/);
    expect((await t.app.inject({ url: `/v1/policies/${policy.policy_id}`, headers: auth() })).json()).toEqual(policy);

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/policies/${policy.policy_id}`,
      headers: auth(),
      payload: { config: { thresholds: { min_score: 75 }, failure_redirect_url: 'https://example.com/sorry' } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().config).toMatchObject({ max_attempts: 2, thresholds: { min_score: 75, pulse_min_snr_z: 2 }, failure_redirect_url: 'https://example.com/sorry' });
    expect(Date.parse(patched.json().updated_at)).toBeGreaterThanOrEqual(Date.parse(policy.updated_at));
    expect((await t.app.inject({ url: '/v1/policies', headers: auth() })).json().policies).toHaveLength(1);

    // A session under the policy takes its settings.
    const session = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth(), payload: { action_description: 'x', policy: policy.policy_id } });
    expect(session.json()).toMatchObject({ risk_level: 'high', frame_count: 30 });

    const bad = [
      { name: 'x', config: { frame_count: 11 } },
      { name: 'x', config: { success_redirect_url: 'ftp://example.com/hook' } },
      { name: '', config: {} },
      { name: 'x', config: { unknown_field: 1 } },
    ];
    for (const payload of bad) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(), payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
    }
    expect((await t.app.inject({ url: '/v1/policies/pol_missing', headers: auth() })).json().error.code).toBe('policy_not_found');
    const reader = await t.keyWith(['session:read']);
    expect((await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(reader), payload: { name: 'r' } })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/v1/policies', headers: auth(reader) })).statusCode).toBe(200);
    // Tenants do not see each other's policies.
    const other = await t.keyWith([], 'acme');
    expect((await t.app.inject({ url: `/v1/policies/${policy.policy_id}`, headers: auth(other) })).statusCode).toBe(404);
  });

  it('reviews: comment and decision, listed, audited, scope session:audit', async () => {
    const id = await createSession();
    const decision = await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/reviews`, headers: auth(), payload: { message: 'ok', decision: 'approved' } });
    expect(decision.statusCode).toBe(201);
    expect(decision.json()).toMatchObject({ session_id: id, kind: 'decision', decision: 'approved' });
    await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/reviews`, headers: auth(), payload: { message: 'note' } });
    expect((await t.app.inject({ url: `/v1/sessions/${id}/reviews`, headers: auth() })).json().reviews).toHaveLength(2);
    const audit = (await t.app.inject({ url: `/v1/sessions/${id}/audit`, headers: auth() })).json();
    expect(audit.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['review_decision', 'review_comment']));
    expect((await t.app.inject({ url: `/v1/sessions/${id}/reviews`, headers: auth(await t.keyWith(['session:read'])) })).json().error.code).toBe('insufficient_scope');
    expect((await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/reviews`, headers: auth(), payload: { message: 'x', decision: 'maybe' } })).statusCode).toBe(400);
  });

  it('wait: long-polls until terminal, or times out with timed_out true', async () => {
    const id = await createSession();
    const timedOut = await t.app.inject({ url: `/v1/sessions/${id}/wait?timeout_s=1`, headers: auth() });
    expect(timedOut.json()).toMatchObject({ status: 'pending', timed_out: true });
    const waiting = t.app.inject({ url: `/v1/sessions/${id}/wait?timeout_s=20`, headers: auth() });
    await new Promise((r) => setTimeout(r, 100));
    await t.app.services.sessions.completeSession(id, LIVE_EVIDENCE);
    expect((await waiting).json()).toMatchObject({ status: 'completed', verdict: 'live', timed_out: false });
    expect((await t.app.inject({ url: `/v1/sessions/${id}/wait?timeout_s=56`, headers: auth() })).statusCode).toBe(400);
  });
});
