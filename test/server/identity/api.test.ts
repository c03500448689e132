// The identity check's REST surface on a real app: policy mode and its floor, user_identifier
// required, the model's absence said with its fix, the claims in result and attestation, the
// DELETE endpoint with its scope and audit, and no template ever in a response.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { l2normalise } from '../../../server/identity/embed.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../../helpers/app.ts';
import { connectInMemory, errorOf, structured } from '../mcp/helpers.ts';

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const unit = (k: number) => {
  const v = new Float32Array(128);
  v[k] = 1;
  return l2normalise(v);
};

describe('identity over REST', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false });
  });
  afterAll(async () => t.close());

  const create = (body: Record<string, unknown>, key = t.key) =>
    t.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth(key), payload: { action_description: 'Wire 5,000 EUR', ...body } });

  it('is off by default; with it on user_identifier is required (400 user_identifier_required)', async () => {
    const plain = await create({});
    expect(plain.statusCode).toBe(201);
    const row = await t.store.getSession(plain.json().session_id);
    expect((row!.policy as { identity: string }).identity).toBe('off');

    const missing = await create({ policy: { identity: 'match' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('user_identifier_required');
    expect(missing.json().error.hint).toMatch(/user_identifier/);

    const ok = await create({ policy: { identity: 'enroll_or_match' }, user_identifier: 'alice' });
    expect(ok.statusCode).toBe(201);
    expect(((await t.store.getSession(ok.json().session_id))!.policy as { identity: string }).identity).toBe('enroll_or_match');
    expect((await create({ policy: { identity: 'sometimes' }, user_identifier: 'alice' })).json().error.code).toBe('invalid_request');
  });

  it('tells the page before the camera (template kept, how long) and asks for identity crops in the plan', async () => {
    const created = (await create({ policy: { identity: 'enroll_or_match' }, user_identifier: 'frank' })).json();
    const token = created.verification_url.split('#')[1] as string;
    const headers = { authorization: `Capture ${token}` };
    const boot = await t.app.inject({ method: 'GET', url: `/v1/capture/${created.session_id}`, headers });
    expect(boot.json().identity).toEqual({ mode: 'enroll_or_match', retention_days: 365 });
    const start = await t.app.inject({ method: 'POST', url: `/v1/capture/${created.session_id}/start`, headers, payload: { device_profile: {} } });
    expect(start.statusCode).toBe(200);
    expect(start.json().plan).toMatchObject({ identity_crops: 8, identity_crop_size: 192 });
    // Identity off: no notice, no identity crops.
    const plain = (await create({})).json();
    const plainHeaders = { authorization: `Capture ${plain.verification_url.split('#')[1]}` };
    expect((await t.app.inject({ method: 'GET', url: `/v1/capture/${plain.session_id}`, headers: plainHeaders })).json().identity).toBeUndefined();
    const plainStart = await t.app.inject({ method: 'POST', url: `/v1/capture/${plain.session_id}/start`, headers: plainHeaders, payload: { device_profile: {} } });
    expect(plainStart.json().plan.identity_crops).toBeUndefined();
  });

  it('a stored policy keeps its identity mode when another field changes', async () => {
    const made = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(t.key), payload: { name: 'step-up', config: { identity: 'match' } } });
    expect(made.statusCode, made.body).toBe(201);
    const id = made.json().policy_id;
    const changed = await t.app.inject({ method: 'PATCH', url: `/v1/policies/${id}`, headers: auth(t.key), payload: { config: { thresholds: { min_score: 75 } } } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().config.identity).toBe('match');
    expect((await create({ policy: id })).json().error.code).toBe('user_identifier_required');
  });

  it('a tenant floor with identity refuses a session that turns it off, and lifts one that leaves it out', async () => {
    const key = await t.keyWith(['session:write', 'session:read', 'policy:write'], 'ten_floor');
    const set = await t.app.inject({ method: 'PUT', url: '/v1/tenant/policy-floor', headers: auth(key), payload: { identity: 'match' } });
    expect(set.statusCode).toBe(200);
    const off = await create({ policy: { identity: 'off' }, user_identifier: 'bob' }, key);
    expect(off.statusCode).toBe(400);
    expect(off.json().error).toMatchObject({ code: 'policy_below_floor', details: { field: 'identity', floor: 'match', given: 'off' } });
    const lifted = await create({ user_identifier: 'bob' }, key);
    expect(lifted.statusCode).toBe(201);
    expect(((await t.store.getSession(lifted.json().session_id))!.policy as { identity: string }).identity).toBe('match');
    // The floor raised identity, so user_identifier is required there too.
    expect((await create({}, key)).json().error.code).toBe('user_identifier_required');
    // An inline policy that does not mention identity is not "turning it off".
    const inline = await create({ policy: { thresholds: { min_score: 70 } }, user_identifier: 'bob' }, key);
    expect(inline.statusCode, inline.body).toBe(201);
    expect(((await t.store.getSession(inline.json().session_id))!.policy as { identity: string }).identity).toBe('match');
  });

  it('carries facemesh_comparison and identity in the result and the signed attestation, never a template', async () => {
    const created = await create({ policy: { identity: 'enroll_or_match' }, user_identifier: 'carol' });
    const id = created.json().session_id;
    await t.app.services.templates.enrol({ tenantId: 'default', userIdentifier: 'carol', sessionId: id, model: 'mobilefacenet@b7120c09', embeddings: [unit(1), unit(1), unit(1)] });
    const claims = {
      identity: { status: 'matched' as const, model: 'mobilefacenet@b7120c09' },
      facemesh_comparison: { match_found: true, similarity_score: 0.912, comparison_count: 1 },
    };
    await t.app.services.sessions.completeSession(id, { ...LIVE_EVIDENCE, identity_claims: claims });
    const result = await t.app.inject({ method: 'GET', url: `/v1/sessions/${id}/result`, headers: auth(t.key) });
    expect(result.statusCode).toBe(200);
    const body = result.json();
    expect(body.attestation.facemesh_comparison).toEqual(claims.facemesh_comparison);
    expect(body.attestation.identity).toEqual(claims.identity);
    const jwt = decodeJwt(body.signature) as { attestation: typeof claims };
    expect(jwt.attestation.facemesh_comparison).toEqual(claims.facemesh_comparison);
    expect(jwt.attestation.identity.status).toBe('matched');
    const stored = (await t.store.listIdentityTemplates('default', 'carol'))[0].embedding;
    expect(result.body).not.toContain(stored.slice(5, 40));
    expect(result.body).not.toContain('kek1:');
  });

  it('DELETE /v1/users/{user_identifier}/templates needs session:write, deletes, and is audited', async () => {
    const created = await create({ policy: { identity: 'enroll' }, user_identifier: 'dave@example.com' });
    const id = created.json().session_id;
    await t.app.services.templates.enrol({ tenantId: 'default', userIdentifier: 'dave@example.com', sessionId: id, model: 'mobilefacenet@b7120c09', embeddings: [unit(2)] });
    const url = `/v1/users/${encodeURIComponent('dave@example.com')}/templates`;
    const reader = await t.keyWith(['session:read']);
    const denied = await t.app.inject({ method: 'DELETE', url, headers: auth(reader) });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('insufficient_scope');
    expect(await t.store.listIdentityTemplates('default', 'dave@example.com')).toHaveLength(1);

    const res = await t.app.inject({ method: 'DELETE', url, headers: auth(t.key) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ user_identifier: 'dave@example.com', templates_deleted: 1 });
    expect(await t.store.listIdentityTemplates('default', 'dave@example.com')).toEqual([]);
    const trail = await t.app.inject({ method: 'GET', url: `/v1/sessions/${id}/audit`, headers: auth(t.key) });
    const event = trail.json().events.find((e: { type: string }) => e.type === 'identity_templates_deleted');
    expect(event.data).toMatchObject({ templates_deleted: 1, by: expect.stringMatching(/^api_key:/) });
    // Again: nothing left, still 200.
    expect((await t.app.inject({ method: 'DELETE', url, headers: auth(t.key) })).json().templates_deleted).toBe(0);
  });
});

describe('forget_user over MCP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false });
  });
  afterAll(async () => t.close());

  it('deletes the templates with session:write and is refused without it', async () => {
    await t.app.services.templates.enrol({ tenantId: 'default', userIdentifier: 'erin', sessionId: 'none', model: 'mobilefacenet@b7120c09', embeddings: [unit(5)] });
    const reader = await connectInMemory(t, await t.keyWith(['session:read']));
    try {
      expect(errorOf(await reader.client.callTool({ name: 'forget_user', arguments: { user_identifier: 'erin' } })).code).toBe('insufficient_scope');
    } finally {
      await reader.close();
    }
    const mcp = await connectInMemory(t, t.key);
    try {
      const result = await mcp.client.callTool({ name: 'forget_user', arguments: { user_identifier: 'erin' } });
      expect(structured(result)).toEqual({ user_identifier: 'erin', templates_deleted: 1 });
      expect(await t.store.listIdentityTemplates('default', 'erin')).toEqual([]);
    } finally {
      await mcp.close();
    }
  });
});

describe('identity in the logs', () => {
  it('request logs at debug level carry no template, sealed or not', async () => {
    const lines: string[] = [];
    const t = await createTestApp({ logLevel: 'debug' }, { analyzer: false, logStream: { write: (line: string) => void lines.push(line) } });
    try {
      const created = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth(t.key), payload: { action_description: 'x', user_identifier: 'gina', policy: { identity: 'enroll' } } });
      const id = created.json().session_id;
      await t.app.services.templates.enrol({ tenantId: 'default', userIdentifier: 'gina', sessionId: id, model: 'mobilefacenet@b7120c09', embeddings: [unit(7)] });
      await t.app.services.sessions.completeSession(id, {
        ...LIVE_EVIDENCE,
        identity_claims: { identity: { status: 'enrolled', model: 'mobilefacenet@b7120c09' }, facemesh_comparison: { match_found: false, similarity_score: null, comparison_count: 0 } },
      });
      const sealed = (await t.store.listIdentityTemplates('default', 'gina'))[0].embedding;
      await t.app.inject({ method: 'GET', url: `/v1/sessions/${id}/result`, headers: auth(t.key) });
      await t.app.inject({ method: 'DELETE', url: '/v1/users/gina/templates', headers: auth(t.key) });
      expect(lines.length).toBeGreaterThan(3);
      const text = lines.join('');
      expect(text).not.toContain(sealed.slice(30, 70));
      expect(text).not.toContain('kek1:');
      expect(text).not.toMatch(/"embedding"/);
    } finally {
      await t.close();
    }
  });
});

describe('identity without its model', () => {
  let t: TestApp;
  let modelsDir: string;
  beforeAll(async () => {
    modelsDir = mkdtempSync(path.join(tmpdir(), 'livegate-nomodels-'));
    t = await createTestApp({ modelsDir }, { analyzer: false });
  });
  afterAll(async () => {
    await t.close();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  it('refuses an identity session with identity_unavailable naming the fix; identity off still works', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/v1/sessions', headers: auth(t.key),
      payload: { action_description: 'x', user_identifier: 'alice', policy: { identity: 'match' } },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('identity_unavailable');
    expect(res.json().error.message).toContain('MobileFaceNet.onnx');
    expect(res.json().error.message).toContain('livegate models fetch');
    const plain = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth(t.key), payload: { action_description: 'x' } });
    expect(plain.statusCode).toBe(201);
  });
});
