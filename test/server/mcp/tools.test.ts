// Every MCP tool and error path through the SDK's own Client over InMemoryTransport, against a
// real app on a real SQLite store.
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallToolResultSchema, ElicitRequestSchema, type ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import { actionSha256 } from '../../../server/attestation/action-hash.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../../helpers/app.ts';
import { connectInMemory, errorOf, structured, type Connected } from './helpers.ts';

const ACTION = 'Approve: wire transfer of $50,000 to Acme Corp';
const EXPECTED_TOOLS = [
  'health-check',
  'greet',
  'verify_human_presence',
  'check_verification_status',
  'get_verification_result',
  'revoke_session',
  'wait_for_verification',
  'verify_attestation',
  'list_policies',
  'get_policy',
  'create_policy',
  'update_policy',
  'list_checks',
  'whoami',
  'update_session_status',
  'list_session_reviews',
  'create_session_review',
  'forget_user',
];

interface Created {
  session_id: string;
  verification_url: string;
  status: string;
  frame_count: number;
  risk_level: string;
  instructions: string;
  action_sha256: string;
  url_elicitation?: string;
}

describe('MCP tools (in-memory transport)', () => {
  let t: TestApp;
  let modelsDir: string;
  let mcp: Connected;

  beforeAll(async () => {
    // Model files stood in by sparse files of the manifest's sizes: list_checks only stats them.
    modelsDir = mkdtempSync(path.join(tmpdir(), 'livegate-models-'));
    t = await createTestApp({ modelsDir }, { analyzer: false });
    mcp = await connectInMemory(t, t.key);
  });
  afterAll(async () => {
    await mcp.close();
    await t.close();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  const call = (name: string, args: Record<string, unknown> = {}, on: Connected = mcp) => on.client.callTool({ name, arguments: args });
  const verify = async (args: Record<string, unknown> = { action_description: ACTION }, on: Connected = mcp) =>
    structured<Created>(await call('verify_human_presence', args, on));

  it('lists every tool with described input, an output schema and annotations', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual([...EXPECTED_TOOLS].sort());
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      // Hints equal to the spec defaults are left out (readOnlyHint false, destructiveHint true).
      const a = tool.annotations ?? {};
      if (!a.readOnlyHint) expect(a.destructiveHint === false || tool.name === 'update_policy' || tool.name === 'revoke_session' || tool.name === 'forget_user', tool.name).toBe(true);
      if (tool.name === 'verify_human_presence' || tool.name === 'verify_attestation') {
        // The fields a model fills in are described; self-explanatory ids are not.
        for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
          expect((schema as { description?: string }).description, `${tool.name}.${field}`).toBeTruthy();
        }
      }
    }
    const byName = Object.fromEntries(tools.map((x) => [x.name, x]));
    expect(byName.revoke_session.annotations?.readOnlyHint).toBeUndefined(); // false by default
    expect(byName.revoke_session.annotations?.destructiveHint).toBeUndefined(); // true by default
    expect(byName.check_verification_status.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.verify_human_presence.execution?.taskSupport).toBe('optional');
    expect(byName.wait_for_verification.inputSchema.properties?.timeout_s).toMatchObject({ maximum: 55 });
  });

  it('health-check, greet in five languages, whoami', async () => {
    const health = structured<{ status: string; version: string; uptime: string }>(await call('health-check'));
    expect(health.status).toBe('ok');
    expect(health.uptime).toMatch(/^\d+s$/);
    const greetings: Record<string, string> = { en: 'Hello, Maria!', es: 'Hola, Maria!', fr: 'Bonjour, Maria !', de: 'Hallo, Maria!', pt: 'Olá, Maria!' };
    for (const [language, text] of Object.entries(greetings)) {
      const result = await call('greet', { name: 'Maria', language });
      expect(structured(result)).toEqual({ greeting: text, language });
      expect((result.content as { text: string }[])[0].text).toBe(text);
    }
    expect(structured(await call('greet', { name: 'Maria' }))).toMatchObject({ greeting: 'Hello, Maria!' });
    expect(errorOf(await call('greet', { name: 'Maria', language: 'it' })).code).toBe('invalid_request');

    const me = structured<{ tenant: string; scopes: string[]; public_url: string; server_version: string }>(await call('whoami'));
    expect(me).toMatchObject({ tenant: 'default', public_url: t.app.services.config.publicUrl });
    expect(me.scopes.sort()).toEqual(['metrics:read', 'policy:write', 'session:audit', 'session:read', 'session:write']);
  });

  it('list_checks says plainly which checks a missing model disables', async () => {
    let checks = structured<{ checks: { name: string; available: boolean; reason?: string }[] }>(await call('list_checks')).checks;
    expect(checks.map((c) => c.name)).toEqual(['pulse', 'cnn', 'light_challenge', 'motion']);
    expect(checks.every((c) => !c.available && /face_landmarker\.task.*livegate models fetch/.test(c.reason ?? ''))).toBe(true);

    const manifest = JSON.parse(readFileSync(new URL('../../../models/models.json', import.meta.url), 'utf8')) as { models: { name: string; file: string; size: number }[] };
    const landmarker = manifest.models.find((m) => m.name === 'face_landmarker')!;
    writeFileSync(path.join(modelsDir, landmarker.file), '');
    truncateSync(path.join(modelsDir, landmarker.file), landmarker.size);
    checks = structured<{ checks: { name: string; available: boolean; reason?: string }[] }>(await call('list_checks')).checks;
    expect(Object.fromEntries(checks.map((c) => [c.name, c.available]))).toEqual({ pulse: true, cnn: false, light_challenge: true, motion: true });
    expect(checks.find((c) => c.name === 'cnn')!.reason).toMatch(/MiniFASNetV2\.onnx is missing/);
  });

  it('drives a session pending -> cancelled', async () => {
    const created = await verify({ action_description: ACTION, action_details: { amount: 50000 } });
    expect(created).toMatchObject({ status: 'pending', risk_level: 'standard', frame_count: 10 });
    expect(created.action_sha256).toBe(actionSha256(ACTION, { amount: 50000 }));
    expect(created.verification_url).toContain(`/s/${created.session_id}#`);
    expect(created.instructions).toContain(created.verification_url);
    expect(created.instructions).toContain('wait_for_verification');

    expect(structured(await call('check_verification_status', { session_id: created.session_id }))).toMatchObject({ status: 'pending' });
    const cancelled = await call('revoke_session', { session_id: created.session_id, reason: 'agent changed its plan' });
    expect(structured(cancelled)).toEqual({ session_id: created.session_id, status: 'cancelled', reason: 'agent changed its plan' });
    expect(structured(await call('check_verification_status', { session_id: created.session_id }))).toMatchObject({
      status: 'cancelled',
      completed_at: expect.any(String),
    });

    const again = errorOf(await call('revoke_session', { session_id: created.session_id }));
    expect(again).toMatchObject({ code: 'session_terminal', hint: expect.stringContaining('create a new session') });
    expect(errorOf(await call('get_verification_result', { session_id: created.session_id })).code).toBe('session_not_completed');
  });

  it('drives a session pending -> completed, returns the result and verifies the attestation offline', async () => {
    const created = await verify({ action_description: ACTION, nonce: 'rp-nonce-1', audience: 'payments' });
    const early = errorOf(await call('get_verification_result', { session_id: created.session_id }));
    expect(early).toMatchObject({ code: 'session_not_completed', details: { status: 'pending' } });

    await t.app.services.sessions.completeSession(created.session_id, LIVE_EVIDENCE);
    const result = structured<{ signature: string; attestation: { verdict: string; action_sha256: string }; audit_trail: { events: { type: string }[] } }>(
      await call('get_verification_result', { session_id: created.session_id }),
    );
    expect(result.attestation).toMatchObject({ verdict: 'live', action_sha256: created.action_sha256 });
    expect(result.audit_trail.events.map((e) => e.type)).toEqual(expect.arrayContaining(['session_created', 'verdict_issued', 'session_completed']));

    const valid = structured<{ valid: boolean; claims: { jti: string; nonce: string } }>(
      await call('verify_attestation', { token: result.signature, action_description: ACTION, audience: 'payments', nonce: 'rp-nonce-1' }),
    );
    expect(valid.valid).toBe(true);
    expect(valid.claims).toMatchObject({ jti: created.session_id, nonce: 'rp-nonce-1' });
    expect(structured(await call('verify_attestation', { token: result.signature, action_sha256: created.action_sha256 }))).toMatchObject({ valid: true });

    const otherAction = structured(await call('verify_attestation', { token: result.signature, action_description: 'Approve: wire $1 to Mallory' }));
    expect(otherAction).toMatchObject({ valid: false, reason: 'action_mismatch' });
    expect(structured(await call('verify_attestation', { token: result.signature, nonce: 'other' }))).toMatchObject({ valid: false, reason: 'nonce_mismatch' });
    expect(structured(await call('verify_attestation', { token: result.signature, audience: 'someone-else' }))).toMatchObject({
      valid: false,
      reason: 'audience_mismatch',
    });
    const [h, p, s] = result.signature.split('.');
    const forged = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect(structured(await call('verify_attestation', { token: forged }))).toMatchObject({ valid: false, reason: 'signature_invalid' });
    expect(structured(await call('verify_attestation', { token: 'not-a-jwt' }))).toMatchObject({ valid: false, reason: 'malformed' });

    expect(errorOf(await call('revoke_session', { session_id: created.session_id })).code).toBe('session_terminal');
  });

  it('wait_for_verification returns on the terminal status and reports each change as progress', async () => {
    const created = await verify();
    const progress: { progress: number; message?: string }[] = [];
    const waiting = mcp.client.callTool({ name: 'wait_for_verification', arguments: { session_id: created.session_id, timeout_s: 20 } }, undefined, {
      onprogress: (p) => progress.push(p),
    });
    await new Promise((r) => setTimeout(r, 100));
    // pending -> in_progress -> completed, as the capture endpoints would move it.
    const row = await t.app.services.sessions.peek(await t.app.services.authenticate(t.key), created.session_id);
    await t.app.services.sessions.beginCapture(row, { attempt: 1 });
    await t.app.services.sessions.completeSession(created.session_id, LIVE_EVIDENCE);
    const outcome = structured<{ status: string; verdict: string; timed_out: boolean }>(await waiting);
    expect(outcome).toMatchObject({ status: 'completed', verdict: 'live', timed_out: false });
    expect(progress.map((p) => p.progress)).toEqual([1, 2]);
    expect(progress.map((p) => p.message)).toEqual(['Session is in_progress', 'Session is completed (live)']);
  });

  it('wait_for_verification times out while pending, and refuses waits past 55 s', async () => {
    const created = await verify();
    const started = Date.now();
    const outcome = structured(await call('wait_for_verification', { session_id: created.session_id, timeout_s: 1 }));
    expect(outcome).toMatchObject({ status: 'pending', timed_out: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const tooLong = errorOf(await call('wait_for_verification', { session_id: created.session_id, timeout_s: 56 }));
    expect(tooLong).toMatchObject({ code: 'invalid_request', details: { issues: [{ path: 'timeout_s' }] } });
  });

  it('a cancelled wait and a closed connection leave no listeners behind', async () => {
    const changes = t.app.services.sessions.changes;
    const created = await verify();
    const abort = new AbortController();
    const waiting = mcp.client.callTool({ name: 'wait_for_verification', arguments: { session_id: created.session_id, timeout_s: 30 } }, undefined, { signal: abort.signal });
    await expect.poll(() => changes.subscriberCount(created.session_id)).toBe(1);
    abort.abort();
    await expect(waiting).rejects.toThrow();
    await expect.poll(() => changes.subscriberCount(created.session_id)).toBe(0);

    // A subscription and a running wait on a connection that then closes.
    const conn = await connectInMemory(t, t.key);
    await conn.client.subscribeResource({ uri: `livegate://sessions/${created.session_id}` });
    const pending = conn.client.callTool({ name: 'wait_for_verification', arguments: { session_id: created.session_id, timeout_s: 30 } }).catch(() => 'closed');
    await expect.poll(() => changes.subscriberCount(created.session_id)).toBe(2);
    await conn.close();
    expect(await pending).toBe('closed');
    await expect.poll(() => changes.subscriberCount(created.session_id)).toBe(0);
  });

  it('answers bad input and unknown sessions with coded tool errors', async () => {
    const missing = errorOf(await call('verify_human_presence', {}));
    expect(missing).toMatchObject({ code: 'invalid_request', details: { issues: [{ path: 'action_description' }] } });
    expect(errorOf(await call('verify_human_presence', { action_description: ACTION, frame_count: 11 })).code).toBe('invalid_request');
    expect(errorOf(await call('verify_human_presence', { action_description: ACTION, surprise: 1 })).code).toBe('invalid_request');
    expect(errorOf(await call('check_verification_status', { session_id: 5 })).code).toBe('invalid_request');
    expect(errorOf(await call('verify_human_presence', { action_description: ACTION, policy: 'pol_nope' })).code).toBe('policy_not_found');

    for (const tool of ['check_verification_status', 'get_verification_result', 'revoke_session', 'wait_for_verification', 'list_session_reviews']) {
      const err = errorOf(await call(tool, { session_id: '00000000-0000-4000-8000-000000000000' }));
      expect(err, tool).toMatchObject({ code: 'session_not_found', hint: expect.any(String) });
    }
    const text = ((await call('check_verification_status', { session_id: 'nope' })).content as { text: string }[])[0].text;
    expect(text).toMatch(/^Error \(session_not_found\): .*\nNext step: /);
    expect(text).not.toMatch(/at .*\.ts:\d+/); // no stack traces
  });

  it('keeps tenants apart', async () => {
    const otherKey = await t.keyWith([], 'acme');
    const other = await connectInMemory(t, otherKey);
    try {
      const mine = await verify();
      expect(errorOf(await call('check_verification_status', { session_id: mine.session_id }, other)).code).toBe('session_not_found');
      expect(errorOf(await call('revoke_session', { session_id: mine.session_id }, other)).code).toBe('session_not_found');
      expect(structured(await call('whoami', {}, other))).toMatchObject({ tenant: 'acme' });
    } finally {
      await other.close();
    }
  });

  it('enforces scopes: insufficient_scope as a tool error', async () => {
    const reader = await connectInMemory(t, await t.keyWith(['session:read']));
    const writer = await connectInMemory(t, await t.keyWith(['session:write']));
    try {
      const created = await verify();
      for (const [tool, args] of [
        ['verify_human_presence', { action_description: ACTION }],
        ['revoke_session', { session_id: created.session_id }],
        ['create_policy', { name: 'x' }],
        ['update_policy', { policy_id: 'pol_x', max_attempts: 2 }],
        ['update_session_status', { session_id: created.session_id, status: 'approved', note: 'ok' }],
        ['create_session_review', { session_id: created.session_id, message: 'hi' }],
        ['list_session_reviews', { session_id: created.session_id }],
      ] as const) {
        const err = errorOf(await call(tool, args, reader));
        expect(err, tool).toMatchObject({ code: 'insufficient_scope' });
      }
      expect(errorOf(await call('create_policy', { name: 'x' }, reader)).details).toEqual({ required_scope: 'policy:write' });
      // session:write alone may open sessions but not write policies (issue 11).
      for (const [tool, args] of [
        ['create_policy', { name: 'x' }],
        ['update_policy', { policy_id: 'pol_x', max_attempts: 2 }],
      ] as const) {
        expect(errorOf(await call(tool, args, writer)), tool).toMatchObject({ code: 'insufficient_scope', details: { required_scope: 'policy:write' } });
      }
      expect(structured(await call('check_verification_status', { session_id: created.session_id }, reader))).toMatchObject({ status: 'pending' });
      for (const [tool, args] of [
        ['check_verification_status', { session_id: created.session_id }],
        ['get_verification_result', { session_id: created.session_id }],
        ['wait_for_verification', { session_id: created.session_id, timeout_s: 1 }],
        ['list_policies', {}],
        ['list_checks', {}],
      ] as const) {
        expect(errorOf(await call(tool, args, writer)), tool).toMatchObject({ code: 'insufficient_scope', details: { required_scope: 'session:read' } });
      }
      expect(structured(await call('revoke_session', { session_id: created.session_id }, writer))).toMatchObject({ status: 'cancelled' });
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it('manual review: decisions and comments, listed and audited', async () => {
    const created = await verify();
    const decision = structured(await call('update_session_status', { session_id: created.session_id, status: 'declined', note: 'face hidden by a mask' }));
    expect(decision).toMatchObject({ session_id: created.session_id, kind: 'decision', decision: 'declined', message: 'face hidden by a mask' });
    const comment = structured(await call('create_session_review', { session_id: created.session_id, message: 'second look requested' }));
    expect(comment).toMatchObject({ kind: 'comment', decision: null });
    const { reviews } = structured<{ reviews: { kind: string }[] }>(await call('list_session_reviews', { session_id: created.session_id }));
    expect(reviews.map((r) => r.kind)).toEqual(['decision', 'comment']);
    const trail = await t.app.services.sessions.getAuditTrail(await t.app.services.authenticate(t.key), created.session_id);
    expect(trail.events.map((e) => e.type)).toEqual(expect.arrayContaining(['review_decision', 'review_comment']));
    expect(errorOf(await call('update_session_status', { session_id: created.session_id, status: 'maybe', note: 'x' })).code).toBe('invalid_request');
    // The decision is a record, not a verdict: the session is untouched.
    expect(structured(await call('check_verification_status', { session_id: created.session_id }))).toMatchObject({ status: 'pending' });
  });

  it('policies: create with defaults (no elicitation), get, list, update, use in a session', async () => {
    const created = structured<{ policy_id: string; config: Record<string, unknown>; elicitation: string }>(
      await call('create_policy', { name: 'payments', risk_level: 'high' }),
    );
    expect(created.elicitation).toBe('unsupported');
    expect(created.config).toMatchObject({ risk_level: 'high', frame_count: 30, required_checks: ['pulse', 'cnn', 'motion', 'light_challenge'], max_attempts: 3 });
    expect(structured(await call('get_policy', { policy_id: created.policy_id }))).toMatchObject({ name: 'payments', config: created.config });

    const updated = structured<{ config: { max_attempts: number; thresholds: { min_score: number }; frame_count: number } }>(
      await call('update_policy', { policy_id: created.policy_id, max_attempts: 5, thresholds: { min_score: 70 }, name: 'payments-v2' }),
    );
    expect(updated.config).toMatchObject({ max_attempts: 5, frame_count: 30, thresholds: { min_score: 70, cnn_min_live_probability: 0.5 } });
    const { policies } = structured<{ policies: { policy_id: string; name: string }[] }>(await call('list_policies'));
    expect(policies.find((p) => p.policy_id === created.policy_id)?.name).toBe('payments-v2');

    const session = await verify({ action_description: ACTION, policy: created.policy_id });
    expect(session).toMatchObject({ risk_level: 'high', frame_count: 30 });

    expect(errorOf(await call('get_policy', { policy_id: 'pol_missing' })).code).toBe('policy_not_found');
    expect(errorOf(await call('update_policy', { policy_id: 'pol_missing', max_attempts: 2 })).code).toBe('policy_not_found');
    expect(errorOf(await call('create_policy', { name: 'bad', success_redirect_url: 'javascript:alert(1)' }))).toMatchObject({
      code: 'invalid_request',
      details: { field: 'success_redirect_url' },
    });
    expect(errorOf(await call('create_policy', { name: 'bad', max_attempts: 50 })).code).toBe('invalid_request');
    expect(errorOf(await call('create_policy', { name: '' })).code).toBe('invalid_request');
  });

  describe('create_policy with form elicitation', () => {
    async function withAnswers(answers: (req: ElicitRequest['params']) => { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> }) {
      const conn = await connectInMemory(t, t.key, { elicitation: { form: {} } });
      const asked: ElicitRequest['params'][] = [];
      conn.client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(request.params);
        return answers(request.params);
      });
      return { conn, asked };
    }

    it('asks once, then per group with gaps; answers become the policy', async () => {
      const { conn, asked } = await withAnswers((p) => {
        const props = Object.keys((p as { requestedSchema: { properties: object } }).requestedSchema.properties);
        if (props.includes('override')) return { action: 'accept', content: { override: true } };
        if (props.includes('risk_level')) return { action: 'accept', content: { risk_level: 'high', frame_count: '60', max_attempts: 2 } };
        if (props.includes('pulse')) return { action: 'accept', content: { pulse: true, cnn: true, light_challenge: true, motion: true } };
        if (props.includes('min_score')) return { action: 'decline' };
        return { action: 'accept', content: { success_redirect_url: 'https://example.com/done' } };
      });
      try {
        const policy = structured<{ elicitation: string; config: Record<string, unknown> }>(await call('create_policy', { name: 'asked', timeout_s: 120 }, conn));
        expect(policy.elicitation).toBe('answered');
        expect(policy.config).toMatchObject({
          risk_level: 'high',
          frame_count: 60,
          max_attempts: 2,
          timeout_s: 120,
          required_checks: expect.arrayContaining(['pulse', 'cnn', 'light_challenge', 'motion']),
          success_redirect_url: 'https://example.com/done',
          thresholds: { min_score: 60 },
        });
        expect(asked).toHaveLength(5);
        expect(asked[0].message).toMatch(/Policy "asked" leaves out .*Override the defaults/);
        // The given field is not asked again; defaults of the chosen level pre-fill later forms.
        const basics = (asked[1] as { requestedSchema: { properties: Record<string, { default?: unknown }> } }).requestedSchema.properties;
        expect(Object.keys(basics)).not.toContain('timeout_s');
        const checks = (asked[2] as { requestedSchema: { properties: Record<string, { default?: unknown }> } }).requestedSchema.properties;
        expect(checks.light_challenge.default).toBe(true);
      } finally {
        await conn.close();
      }
    });

    it('declining keeps the defaults; cancelling aborts and saves nothing', async () => {
      const declined = await withAnswers(() => ({ action: 'decline' }));
      try {
        const policy = structured<{ elicitation: string; config: Record<string, unknown> }>(await call('create_policy', { name: 'declined' }, declined.conn));
        expect(policy.elicitation).toBe('kept_defaults');
        expect(policy.config).toMatchObject({ risk_level: 'standard', frame_count: 10, max_attempts: 3 });
        expect(declined.asked).toHaveLength(1);
      } finally {
        await declined.conn.close();
      }

      const before = structured<{ policies: unknown[] }>(await call('list_policies')).policies.length;
      const cancelled = await withAnswers((p) =>
        'override' in (p as { requestedSchema: { properties: object } }).requestedSchema.properties ? { action: 'accept', content: { override: true } } : { action: 'cancel' },
      );
      try {
        const err = errorOf(await call('create_policy', { name: 'cancelled' }, cancelled.conn));
        expect(err).toMatchObject({ code: 'elicitation_cancelled', message: expect.stringContaining('nothing was saved') });
        expect(structured<{ policies: unknown[] }>(await call('list_policies')).policies.length).toBe(before);
      } finally {
        await cancelled.conn.close();
      }
    });

    it('does not ask when every field is given', async () => {
      const { conn, asked } = await withAnswers(() => ({ action: 'cancel' }));
      try {
        const full = {
          name: 'complete',
          risk_level: 'standard',
          frame_count: 10,
          max_attempts: 3,
          timeout_s: 300,
          capture_duration_ms: 6000,
          required_checks: ['pulse', 'cnn', 'motion'],
          thresholds: {
            min_score: 60,
            pulse_min_snr_z: 2,
            cnn_min_live_probability: 0.5,
            light_challenge_min_score: 0.35,
            planarity_max_residual: 0.03,
            min_face_present_ratio: 0.8,
          },
          success_redirect_url: null,
          failure_redirect_url: null,
        };
        expect(structured(await call('create_policy', full, conn))).toMatchObject({ elicitation: 'not_needed' });
        expect(asked).toHaveLength(0);
      } finally {
        await conn.close();
      }
    });
  });

  it('presents the link by URL-mode elicitation when the client declares it, and says when it is complete', async () => {
    const conn = await connectInMemory(t, t.key, { elicitation: { url: {} } });
    const asked: ElicitRequest['params'][] = [];
    const completed: string[] = [];
    conn.client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return { action: 'accept' };
    });
    conn.client.setNotificationHandler((await import('@modelcontextprotocol/sdk/types.js')).ElicitationCompleteNotificationSchema, (n) => {
      completed.push(n.params.elicitationId);
    });
    try {
      const created = await verify({ action_description: ACTION }, conn);
      expect(created).toMatchObject({ url_elicitation: 'accept' });
      expect(asked).toEqual([expect.objectContaining({ mode: 'url', url: created.verification_url, elicitationId: created.session_id })]);
      await t.app.services.sessions.completeSession(created.session_id, LIVE_EVIDENCE);
      await expect.poll(() => completed).toEqual([created.session_id]);
      // A client without URL elicitation gets the link in the result only.
      expect((await verify()).url_elicitation).toBeUndefined();
    } finally {
      await conn.close();
    }
  });

  it('runs verify_human_presence as a task that completes when the session ends', async () => {
    const stream = mcp.client.experimental.tasks.callToolStream({ name: 'verify_human_presence', arguments: { action_description: ACTION } }, undefined, {
      task: { ttl: 60_000 },
    });
    let sessionId: string | undefined;
    const statuses: string[] = [];
    let final: { structuredContent?: { final_status?: { status: string }; verification_url?: string } } | undefined;
    for await (const message of stream) {
      if (message.type === 'taskCreated') {
        sessionId = /sessions?[ _]id ([0-9a-f-]{36})/.exec(message.task.statusMessage ?? '')?.[1];
        expect(message.task.statusMessage).toContain('/s/');
        await t.app.services.sessions.cancel(await t.app.services.authenticate(t.key), sessionId!, 'test');
      } else if (message.type === 'taskStatus') {
        statuses.push(message.task.status);
      } else if (message.type === 'result') {
        final = message.result as typeof final;
      } else if (message.type === 'error') {
        throw message.error;
      }
    }
    expect(sessionId).toBeDefined();
    expect(final?.structuredContent?.final_status?.status).toBe('cancelled');
    expect(final?.structuredContent?.verification_url).toContain(sessionId!);
  });

  it('a task whose session cannot be created fails with the coded error', async () => {
    const reader = await connectInMemory(t, await t.keyWith(['session:read']));
    try {
      const stream = reader.client.experimental.tasks.callToolStream({ name: 'verify_human_presence', arguments: { action_description: ACTION } }, undefined, {
        task: { ttl: 60_000 },
      });
      const seen: { type: string; task?: { taskId: string; status: string } }[] = [];
      for await (const message of stream) seen.push(message as (typeof seen)[number]);
      expect(seen[0].type).toBe('taskCreated');
      expect(seen.at(-1)?.type).toBe('error');
      // The SDK's stream reports a failed task without its result; tasks/result has the coded error.
      const result = await reader.client.experimental.tasks.getTaskResult(seen[0].task!.taskId, CallToolResultSchema);
      expect(errorOf(result as Record<string, unknown>)).toMatchObject({ code: 'insufficient_scope' });
    } finally {
      await reader.close();
    }
  });

  describe('resources', () => {
    it('serves the reference resources', async () => {
      const { resources } = await mcp.client.listResources();
      expect(resources.map((r) => r.uri).sort()).toEqual([
        'livegate://reference/checks',
        'livegate://reference/policy-defaults',
        'livegate://reference/policy-overrides',
        'livegate://reference/risk-levels',
      ]);
      const { resourceTemplates } = await mcp.client.listResourceTemplates();
      expect(resourceTemplates.map((r) => r.uriTemplate)).toEqual(['livegate://sessions/{session_id}', 'livegate://policies/{policy_id}']);
      const read = async (uri: string) => JSON.parse(((await mcp.client.readResource({ uri })).contents[0] as { text: string }).text);
      expect((await read('livegate://reference/risk-levels')).high.required_checks).toContain('light_challenge');
      expect((await read('livegate://reference/policy-defaults')).standard).toMatchObject({ risk_level: 'standard', frame_count: 10 });
      expect((await read('livegate://reference/checks')).checks).toHaveLength(4);
    });

    it('reads a session and notifies subscribers of every status change', async () => {
      const created = await verify();
      const uri = `livegate://sessions/${created.session_id}`;
      expect(JSON.parse(((await mcp.client.readResource({ uri })).contents[0] as { text: string }).text)).toMatchObject({ status: 'pending' });
      const updates: string[] = [];
      const { ResourceUpdatedNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
      mcp.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
      await mcp.client.subscribeResource({ uri });
      await call('revoke_session', { session_id: created.session_id });
      await expect.poll(() => updates).toEqual([uri]);
      expect(JSON.parse(((await mcp.client.readResource({ uri })).contents[0] as { text: string }).text)).toMatchObject({ status: 'cancelled' });

      await mcp.client.unsubscribeResource({ uri });
      await expect(mcp.client.readResource({ uri: 'livegate://sessions/00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: -32002 });
      await expect(mcp.client.subscribeResource({ uri: 'livegate://sessions/00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: -32002 });
      // Listed resources can be subscribed to (they never change; nothing is sent).
      await expect(mcp.client.subscribeResource({ uri: 'livegate://reference/checks' })).resolves.toEqual({});

    });
  });
});
