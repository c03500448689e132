// The policy floor end to end (issue 11), on real SQLite and real PostgreSQL: the agent that
// creates a session cannot weaken what is checked, cannot write policies without policy:write,
// and the attestation says what was required.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thresholdsSha256 } from '../../server/policies/floor.ts';
import { defaultPolicy } from '../../server/policies/defaults.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../helpers/app.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { connectInMemory, errorOf, structured } from './mcp/helpers.ts';

const ACTION = 'Approve: wire transfer of $50,000 to Acme Corp';

type Backend = { name: string; open(): Promise<TestApp>; close(): Promise<void> };

let cluster: TestPostgres | undefined;
const backends: Backend[] = [
  { name: 'sqlite', open: () => createTestApp({}, { analyzer: false }), close: async () => undefined },
  {
    name: 'postgres',
    async open() {
      cluster = await startPostgres();
      return createTestApp({}, { analyzer: false, databaseUrl: cluster.url });
    },
    close: async () => cluster?.stop(),
  },
];

describe.each(backends)('policy floor on $name', (backend) => {
  let t: TestApp;
  let policyWriter: string;
  let sessionWriter: string;
  const auth = (key = t.key) => ({ authorization: `Bearer ${key}` });
  const createSession = (payload: Record<string, unknown>, key = sessionWriter) =>
    t.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth(key), payload: { action_description: ACTION, ...payload } });
  const setFloor = (floor: Record<string, unknown>, key = policyWriter) => t.app.inject({ method: 'PUT', url: '/v1/tenant/policy-floor', headers: auth(key), payload: floor });

  beforeAll(async () => {
    t = await backend.open();
    policyWriter = await t.keyWith(['policy:write', 'session:read']);
    sessionWriter = await t.keyWith(['session:write', 'session:read']);
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await backend.close();
  });

  it.each([
    ['fewer checks', { policy: { required_checks: ['motion'] } }, 'required_checks'],
    ['fewer checks on high risk (no light challenge)', { risk_level: 'high', policy: { required_checks: ['pulse', 'cnn', 'motion'] } }, 'required_checks'],
    ['no CNN on high risk', { policy: { risk_level: 'high', required_checks: ['pulse', 'light_challenge', 'motion'] } }, 'required_checks'],
    ['a shorter capture', { policy: { capture_duration_ms: 3000 } }, 'capture_duration_ms'],
    ['a shorter capture on high risk', { risk_level: 'high', policy: { capture_duration_ms: 6000 } }, 'capture_duration_ms'],
    ['a lower score threshold', { policy: { thresholds: { min_score: 10 } } }, 'thresholds.min_score'],
    ['a lower pulse SNR', { policy: { thresholds: { pulse_min_snr_z: 0 } } }, 'thresholds.pulse_min_snr_z'],
    ['a lower CNN threshold', { policy: { thresholds: { cnn_min_live_probability: 0.1 } } }, 'thresholds.cnn_min_live_probability'],
    ['a smaller planarity residual (fails fewer flat faces)', { policy: { thresholds: { planarity_max_residual: 0.005 } } }, 'thresholds.planarity_max_residual'],
    ['fewer CNN frames on high risk', { risk_level: 'high', frame_count: 10 }, 'frame_count'],
  ])('refuses %s with 400 policy_below_floor naming the field', async (_label, payload, field) => {
    const res = await createSession(payload);
    expect(res.statusCode).toBe(400);
    const error = res.json().error;
    expect(error).toMatchObject({ code: 'policy_below_floor', details: { field } });
    expect(error.message).toContain(field);
    expect(error.hint).toMatch(/stricter/);
  });

  it('names the missing checks of a high-risk session', async () => {
    const res = await createSession({ risk_level: 'high', policy: { required_checks: ['pulse', 'motion'] } });
    expect(res.json().error.message).toMatch(/must include cnn, light_challenge|must include light_challenge, cnn/);
  });

  it('accepts stricter overrides and stores the effective policy', async () => {
    const res = await createSession({ policy: { required_checks: ['pulse', 'cnn', 'motion', 'light_challenge'], capture_duration_ms: 9000, thresholds: { min_score: 80, planarity_max_residual: 0.04 } } });
    expect(res.statusCode).toBe(201);
    const row = await t.store.getSession(res.json().session_id);
    expect(row?.policy).toMatchObject({ risk_level: 'standard', capture_duration_ms: 9000, thresholds: { min_score: 80, planarity_max_residual: 0.04, pulse_min_snr_z: 2 } });
    expect(row?.policy.required_checks).toEqual(expect.arrayContaining(['pulse', 'cnn', 'motion', 'light_challenge']));
  });

  it('refuses javascript: and data: redirect URLs in an inline policy as stored policies do', async () => {
    for (const url of ['javascript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>']) {
      const res = await createSession({ policy: { success_redirect_url: url } });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'invalid_request', details: { field: 'success_redirect_url' } });
    }
    expect((await createSession({ policy: { failure_redirect_url: 'https://example.com/sorry' } })).statusCode).toBe(201);
  });

  it('verify_human_presence over the real MCP client refuses a weakened policy with policy_below_floor', async () => {
    const mcp = await connectInMemory(t, sessionWriter);
    try {
      const err = errorOf(await mcp.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION, risk_level: 'high', policy: { required_checks: ['motion'] } } }));
      expect(err).toMatchObject({ code: 'policy_below_floor', details: { field: 'required_checks' } });
      expect(structured(await mcp.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION, risk_level: 'high' } }))).toMatchObject({ risk_level: 'high' });
    } finally {
      await mcp.close();
    }
  });

  it('MCP policy tools: policy:write creates and updates, a weakened policy is policy_below_floor, session:write is refused', async () => {
    const admin = await connectInMemory(t, policyWriter);
    const agent = await connectInMemory(t, sessionWriter);
    try {
      const created = structured<{ policy_id: string; version: number }>(await admin.client.callTool({ name: 'create_policy', arguments: { name: 'mcp-high', risk_level: 'high' } }));
      expect(created.version).toBe(1);
      const weak = await admin.client.callTool({ name: 'create_policy', arguments: { name: 'mcp-weak', risk_level: 'high', required_checks: ['pulse', 'motion'] } });
      expect(errorOf(weak)).toMatchObject({ code: 'policy_below_floor', details: { field: 'required_checks' } });
      const lowered = await admin.client.callTool({ name: 'update_policy', arguments: { policy_id: created.policy_id, thresholds: { cnn_min_live_probability: 0.2 } } });
      expect(errorOf(lowered)).toMatchObject({ code: 'policy_below_floor', details: { field: 'thresholds.cnn_min_live_probability' } });
      expect(structured(await admin.client.callTool({ name: 'update_policy', arguments: { policy_id: created.policy_id, thresholds: { cnn_min_live_probability: 0.7 } } }))).toMatchObject({ version: 2 });
      for (const [name, args] of [['create_policy', { name: 'agent' }], ['update_policy', { policy_id: created.policy_id, max_attempts: 2 }]] as const) {
        expect(errorOf(await agent.client.callTool({ name, arguments: args }))).toMatchObject({ code: 'insufficient_scope', details: { required_scope: 'policy:write' } });
      }
    } finally {
      await admin.close();
      await agent.close();
    }
  });

  it('stored policies need policy:write; session:write alone gets 403 insufficient_scope', async () => {
    const denied = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(sessionWriter), payload: { name: 'lax' } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toMatchObject({ code: 'insufficient_scope', details: { required_scope: 'policy:write' } });

    const created = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(policyWriter), payload: { name: 'payments', config: { risk_level: 'high' } } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ version: 1 });
    const id = created.json().policy_id;

    const patchDenied = await t.app.inject({ method: 'PATCH', url: `/v1/policies/${id}`, headers: auth(sessionWriter), payload: { config: { thresholds: { min_score: 90 } } } });
    expect(patchDenied.statusCode).toBe(403);
    expect(patchDenied.json().error.code).toBe('insufficient_scope');

    const patched = await t.app.inject({ method: 'PATCH', url: `/v1/policies/${id}`, headers: auth(policyWriter), payload: { config: { thresholds: { min_score: 90 } } } });
    expect(patched.json()).toMatchObject({ version: 2, config: { thresholds: { min_score: 90 } } });
  });

  it('stored policies cannot go below the floor either (create and update)', async () => {
    const weak = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(policyWriter), payload: { name: 'weak', config: { risk_level: 'high', required_checks: ['pulse', 'motion'] } } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error).toMatchObject({ code: 'policy_below_floor', details: { field: 'required_checks' } });
    const ok = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(policyWriter), payload: { name: 'std' } });
    const lower = await t.app.inject({ method: 'PATCH', url: `/v1/policies/${ok.json().policy_id}`, headers: auth(policyWriter), payload: { config: { capture_duration_ms: 4000 } } });
    expect(lower.statusCode).toBe(400);
    expect(lower.json().error).toMatchObject({ code: 'policy_below_floor', details: { field: 'capture_duration_ms' } });
  });

  it('inline overrides on a stored policy may only tighten that policy', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(policyWriter), payload: { name: 'strict', config: { thresholds: { min_score: 85 } } } });
    const id = created.json().policy_id;
    const res = await createSession({ policy: id, risk_level: 'standard' });
    expect(res.statusCode).toBe(201);
    const row = await t.store.getSession(res.json().session_id);
    expect(row?.policy).toMatchObject({ thresholds: { min_score: 85 }, policy_version: 1 });
    // Raising the risk level is stricter and allowed; going back under the stored threshold is not.
    expect((await createSession({ policy: id, risk_level: 'high' })).statusCode).toBe(201);
    const highPolicy = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(policyWriter), payload: { name: 'high', config: { risk_level: 'high' } } });
    expect((await createSession({ policy: highPolicy.json().policy_id, risk_level: 'standard' })).json().error).toMatchObject({ code: 'policy_below_floor', details: { field: 'risk_level' } });
  });

  it('tenant floor: read by anyone with session:read, set only with policy:write, applied to every session', async () => {
    const initial = await t.app.inject({ url: '/v1/tenant/policy-floor', headers: auth(sessionWriter) });
    expect(initial.statusCode).toBe(200);
    expect(initial.json()).toMatchObject({ floor: {}, updated_at: null, effective: { standard: { risk_level: 'standard', capture_duration_ms: 6000 }, high: { required_checks: expect.arrayContaining(['light_challenge', 'cnn']) } } });

    const denied = await setFloor({ thresholds: { min_score: 70 } }, sessionWriter);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toMatchObject({ code: 'insufficient_scope', details: { required_scope: 'policy:write' } });
    expect((await setFloor({ thresholds: { min_score: 170 } })).statusCode).toBe(400);

    // A stored policy written before the floor is raised to it at session time.
    const before = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(policyWriter), payload: { name: 'old' } });
    const set = await setFloor({ thresholds: { min_score: 70 }, capture_duration_ms: 8000, required_checks: ['light_challenge'] });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ floor: { thresholds: { min_score: 70 } }, effective: { standard: { thresholds: { min_score: 70 }, capture_duration_ms: 8000 } }, updated_at: expect.any(String) });
    expect((await t.app.inject({ url: '/v1/tenant/policy-floor', headers: auth(sessionWriter) })).json().floor).toEqual({ thresholds: { min_score: 70 }, capture_duration_ms: 8000, required_checks: ['light_challenge'] });

    try {
      const plain = await createSession({});
      expect(plain.statusCode).toBe(201);
      const row = await t.store.getSession(plain.json().session_id);
      expect(row?.policy).toMatchObject({ capture_duration_ms: 8000, thresholds: { min_score: 70 } });
      expect(row?.policy.required_checks).toContain('light_challenge');

      const onOld = await t.store.getSession((await createSession({ policy: before.json().policy_id })).json().session_id);
      expect(onOld?.policy).toMatchObject({ capture_duration_ms: 8000, thresholds: { min_score: 70 } });

      const weaker = await createSession({ policy: { thresholds: { min_score: 65 } } });
      expect(weaker.json().error).toMatchObject({ code: 'policy_below_floor', details: { field: 'thresholds.min_score', floor: 70, given: 65 } });
      const newPolicy = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(policyWriter), payload: { name: 'short', config: { capture_duration_ms: 7000 } } });
      expect(newPolicy.json().error).toMatchObject({ code: 'policy_below_floor', details: { field: 'capture_duration_ms' } });

      // A floor at high risk: the default level becomes high and asking for standard is refused.
      await setFloor({ risk_level: 'high' });
      expect((await createSession({})).json()).toMatchObject({ risk_level: 'high', frame_count: 30 });
      expect((await createSession({ risk_level: 'standard' })).json().error).toMatchObject({ code: 'policy_below_floor', details: { field: 'risk_level' } });
    } finally {
      expect((await setFloor({})).json().floor).toEqual({});
    }
  });

  it('the attestation carries the effective policy: checks, thresholds hash, policy id and version, duration, light challenge', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: auth(policyWriter), payload: { name: 'attested', config: { risk_level: 'high', thresholds: { min_score: 75 } } } });
    const policy = created.json();
    await t.app.inject({ method: 'PATCH', url: `/v1/policies/${policy.policy_id}`, headers: auth(policyWriter), payload: { config: { capture_duration_ms: 8000 } } });
    const session = (await createSession({ policy: policy.policy_id })).json();
    const light = { passed: true, score: 0.8, lag_ms: 120, correlation: 0.9 };
    await t.app.services.sessions.completeSession(session.session_id, { ...LIVE_EVIDENCE, checks: { ...LIVE_EVIDENCE.checks, light_challenge: light } });
    const result = (await t.app.inject({ url: `/v1/sessions/${session.session_id}/result`, headers: auth() })).json();
    const expectedThresholds = { ...defaultPolicy('high').thresholds, min_score: 75 };
    expect(result.attestation).toMatchObject({
      risk_level: 'high',
      required_checks: ['pulse', 'cnn', 'motion', 'light_challenge'],
      thresholds_sha256: thresholdsSha256(expectedThresholds),
      policy_id: policy.policy_id,
      policy_version: 2,
      capture_duration_ms: 8000,
      light_challenge: true,
    });
    expect(result.attestation.thresholds_sha256).not.toBe(thresholdsSha256(defaultPolicy('high').thresholds));
    // The signed claims say the same.
    const claims = JSON.parse(Buffer.from(result.signature.split('.')[1], 'base64url').toString());
    expect(claims.attestation).toMatchObject({ required_checks: result.attestation.required_checks, thresholds_sha256: result.attestation.thresholds_sha256, light_challenge: true });

    const plain = (await createSession({})).json();
    await t.app.services.sessions.completeSession(plain.session_id, LIVE_EVIDENCE);
    const plainResult = (await t.app.inject({ url: `/v1/sessions/${plain.session_id}/result`, headers: auth() })).json();
    expect(plainResult.attestation).toMatchObject({
      required_checks: ['pulse', 'cnn', 'motion'],
      thresholds_sha256: thresholdsSha256(defaultPolicy('standard').thresholds),
      policy_id: null,
      policy_version: null,
      capture_duration_ms: 6000,
      light_challenge: false,
    });
  });
});
