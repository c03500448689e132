// The REST API v1 end to end through inject(), over a real SQLite store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { actionSha256 } from '../../server/attestation/action-hash.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../helpers/app.ts';

const ACTION = 'Approve: Wire transfer of $50,000 to Acme Corp';

describe('REST API v1', () => {
  let t: TestApp;
  let clock = Date.now();
  const auth = () => ({ authorization: `Bearer ${t.key}` });

  beforeAll(async () => {
    t = await createTestApp({ apiRateLimitPerMin: 10_000 }, { now: () => clock });
  });
  afterAll(async () => t.close());

  async function create(body: Record<string, unknown> = { action_description: ACTION }, headers: Record<string, string> = {}) {
    return t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { ...auth(), ...headers }, payload: body });
  }

  it('creates a pending session bound to the action, with standard defaults', async () => {
    const res = await create({ action_description: ACTION, action_details: { amount: 50000, currency: 'USD' } });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      status: 'pending',
      action_description: ACTION,
      risk_level: 'standard',
      model: '10',
      model_version: 'latest',
      frame_count: 10,
    });
    expect(body.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.action_sha256).toBe(actionSha256(ACTION, { amount: 50000, currency: 'USD' }));
    expect(body.verification_url).toMatch(new RegExp(`/s/${body.session_id}#[A-Za-z0-9_-]{32,}$`));
    expect(Date.parse(body.expires_at) - clock).toBe(300_000);
  });

  it('applies high-risk defaults and explicit frame count and timeout', async () => {
    const high = (await create({ action_description: ACTION, risk_level: 'high' })).json();
    expect(high).toMatchObject({ risk_level: 'high', frame_count: 30, model: '30' });
    const custom = (await create({ action_description: ACTION, frame_count: 60, timeout: 45 })).json();
    expect(custom.frame_count).toBe(60);
    expect(Date.parse(custom.expires_at) - clock).toBe(45_000);
  });

  it('accepts X-API-Key as well as Bearer', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: ACTION } });
    expect(res.statusCode).toBe(201);
  });

  it('replays an Idempotency-Key with the same body and refuses another body', async () => {
    const first = (await create({ action_description: ACTION }, { 'idempotency-key': 'k-1' })).json();
    const again = await create({ action_description: ACTION }, { 'idempotency-key': 'k-1' });
    expect(again.statusCode).toBe(201);
    expect(again.json().session_id).toBe(first.session_id);
    // The replay's URL carries a fresh capture token that replaces the first one.
    const bootstrap = (url: string) => t.app.inject({ url: `/v1/capture/${first.session_id}`, headers: { authorization: `Capture ${url.split('#')[1]}` } });
    expect((await bootstrap(again.json().verification_url)).statusCode).toBe(200);
    expect((await bootstrap(first.verification_url)).statusCode).toBe(401);
    const other = await create({ action_description: 'something else' }, { 'idempotency-key': 'k-1' });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('idempotency_conflict');
  });

  it('reads status, refuses a result before completion, cancels once', async () => {
    const { session_id: id } = (await create()).json();
    const status = await t.app.inject({ url: `/v1/sessions/${id}`, headers: auth() });
    expect(status.json()).toMatchObject({ session_id: id, status: 'pending' });
    const early = await t.app.inject({ url: `/v1/sessions/${id}/result`, headers: auth() });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('session_not_completed');
    const cancel = await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/cancel`, headers: auth(), payload: { reason: 'user left' } });
    expect(cancel.json()).toEqual({ session_id: id, status: 'cancelled', reason: 'user left' });
    const twice = await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/cancel`, headers: auth(), payload: {} });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('session_terminal');
    const after = (await t.app.inject({ url: `/v1/sessions/${id}`, headers: auth() })).json();
    expect(after.status).toBe('cancelled');
    expect(after.completed_at).toBeTruthy();
  });

  it('expires on read after the timeout and audits the transition', async () => {
    const { session_id: id } = (await create({ action_description: ACTION, timeout: 30 })).json();
    clock += 31_000;
    try {
      const status = (await t.app.inject({ url: `/v1/sessions/${id}`, headers: auth() })).json();
      expect(status.status).toBe('expired');
      const trail = (await t.app.inject({ url: `/v1/sessions/${id}/audit`, headers: auth() })).json();
      expect(trail.events.map((e: { type: string }) => e.type)).toEqual(['session_created', 'session_expired']);
    } finally {
      clock -= 31_000;
    }
  });

  it('the sweeper moves stale sessions without a read', async () => {
    const { session_id: id } = (await create({ action_description: ACTION, timeout: 30 })).json();
    clock += 31_000;
    try {
      const moved = await t.app.services.sessions.sweepExpired();
      expect(moved).toBeGreaterThanOrEqual(1);
      expect((await t.store.getSession(id))?.status).toBe('expired');
    } finally {
      clock -= 31_000;
    }
  });

  it('completes with a signed attestation that verifies against the JWKS', async () => {
    const { session_id: id } = (await create({ action_description: ACTION, audience: 'bank.example', nonce: 'n-123', user_identifier: 'user-7' })).json();
    await t.app.services.sessions.completeSession(id, LIVE_EVIDENCE);
    const res = await t.app.inject({ url: `/v1/sessions/${id}/result`, headers: auth() });
    expect(res.statusCode).toBe(200);
    const result = res.json();
    expect(result.attestation).toMatchObject({ verdict: 'live', score: 91, action_description: ACTION, user_identifier: 'user-7' });
    expect(result.audit_trail.events.map((e: { type: string }) => e.type)).toEqual(['session_created', 'verdict_issued', 'session_completed']);
    const jwks = (await t.app.inject({ url: '/.well-known/jwks.json' })).json();
    const { payload, protectedHeader } = await jwtVerify(result.signature, createLocalJWKSet(jwks), {
      audience: 'bank.example',
      algorithms: ['ES256'],
      currentDate: new Date(clock),
    });
    expect(protectedHeader.typ).toBe('livegate-attestation+jwt');
    expect(payload).toMatchObject({ jti: id, sub: 'user-7', nonce: 'n-123' });
    expect((payload.attestation as { action_sha256: string }).action_sha256).toBe(actionSha256(ACTION));

    const standing = await t.app.inject({ url: `/v1/attestations/${id}`, headers: auth() });
    expect(standing.json()).toMatchObject({ status: 'valid' });
    const revoke = await t.app.inject({ method: 'POST', url: `/v1/attestations/${id}/revoke`, headers: auth(), payload: { reason: 'fraud' } });
    expect(revoke.json()).toMatchObject({ status: 'revoked' });
    const unknown = await t.app.inject({ url: `/v1/attestations/${crypto.randomUUID()}`, headers: auth() });
    expect(unknown.json()).toMatchObject({ status: 'unknown' });
  });

  it('keeps tenants apart: another tenant gets 404', async () => {
    const { session_id: id } = (await create()).json();
    const otherKey = await t.keyWith([], 'tenant-b');
    const res = await t.app.inject({ url: `/v1/sessions/${id}`, headers: { authorization: `Bearer ${otherKey}` } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('session_not_found');
  });

  it('enforces scopes with 403 naming the missing one', async () => {
    const readOnly = await t.keyWith(['session:read']);
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': readOnly }, payload: { action_description: ACTION } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'insufficient_scope' });
    expect(res.json().error.message).toContain('session:write');
    const { session_id: id } = (await create()).json();
    const audit = await t.app.inject({ url: `/v1/sessions/${id}/audit`, headers: { 'x-api-key': readOnly } });
    expect(audit.statusCode).toBe(403);
    expect(audit.json().error.message).toContain('session:audit');
  });

  it('answers 401 with WWW-Authenticate for a missing, malformed or revoked key', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { 'x-api-key': `${t.key.slice(0, -1)}x` }]) {
      const res = await t.app.inject({ url: '/v1/sessions/00000000-0000-4000-8000-000000000000', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="livegate"');
      expect(res.json().error.code).toBe('unauthorized');
    }
    const key = await t.keyWith([]);
    const id = key.split('_')[1];
    await t.store.revokeApiKey(id, Date.now());
    const res = await t.app.inject({ url: '/v1/sessions/00000000-0000-4000-8000-000000000000', headers: { 'x-api-key': key } });
    expect(res.statusCode).toBe(401);
  });

  it('validates input: 400 with the field path, 415 for another content type, 413 for a huge body', async () => {
    const bad = await create({ action_description: ACTION, frame_count: 11 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_request');
    expect(bad.json().error.message).toContain('frame_count');
    const extra = await create({ action_description: ACTION, surprise: true });
    expect(extra.statusCode).toBe(400);
    const text = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { ...auth(), 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('unsupported_media_type');
    const huge = await t.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { ...auth(), 'content-type': 'application/json' },
      payload: JSON.stringify({ action_description: ACTION, metadata: { blob: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
    const unknownRoute = await t.app.inject({ url: '/v1/nothing', headers: auth() });
    expect(unknownRoute.statusCode).toBe(404);
  });

  it('serves health, OpenAPI and the docs UI', async () => {
    const health = (await t.app.inject({ url: '/healthz' })).json();
    expect(health).toMatchObject({ status: 'ok', version: expect.any(String) });
    expect(health.uptime).toMatch(/^\d+s$/);
    const spec = (await t.app.inject({ url: '/openapi.json' })).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/sessions', '/v1/sessions/{id}', '/v1/sessions/{id}/result', '/v1/attestations/{jti}']));
    const docs = await t.app.inject({ url: '/docs' });
    expect([200, 302]).toContain(docs.statusCode);
  });

  it('never leaks internals on a 500', async () => {
    const original = t.store.getSession.bind(t.store);
    t.store.getSession = async () => {
      throw new Error('disk on fire at /secret/path');
    };
    try {
      const res = await t.app.inject({ url: '/v1/sessions/00000000-0000-4000-8000-000000000000', headers: auth() });
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('disk on fire');
      expect(res.json().error.code).toBe('internal_error');
    } finally {
      t.store.getSession = original;
    }
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and X-RateLimit headers past the per-IP limit, before auth', async () => {
    const t = await createTestApp({ apiRateLimitPerMin: 3 });
    try {
      const codes: number[] = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await t.app.inject({ url: '/v1/sessions/00000000-0000-4000-8000-000000000000' }); // no key at all
        codes.push(last.statusCode);
      }
      expect(codes).toEqual([401, 401, 401, 429]);
      expect(last!.headers['retry-after']).toBeDefined();
      expect(last!.headers['x-ratelimit-limit']).toBe('3');
      expect(last!.headers['x-ratelimit-remaining']).toBe('0');
      expect(last!.json().error.code).toBe('rate_limited');
    } finally {
      await t.close();
    }
  });
});
