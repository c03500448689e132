// Security matrix, access part: every REST endpoint and MCP tool against keys holding one scope
// each (table-driven), no key and a revoked key; and tenant isolation on SQLite and PostgreSQL:
// another tenant's sessions, attestations, policies and webhooks are invisible and untouchable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../server/auth/api-keys.ts';
import type { Scope } from '../../server/store/types.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../helpers/app.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { connectInMemory, errorOf } from '../server/mcp/helpers.ts';
import { isErrorBody } from './lib/answers.ts';

const SCOPES: Scope[] = ['session:write', 'session:read', 'session:audit', 'policy:write', 'metrics:read'];
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

interface Fixture {
  t: TestApp;
  session: () => Promise<string>;
  completed: string;
  policyId: string;
  webhookId: string;
}

async function fixture(t: TestApp): Promise<Fixture> {
  const call = async (method: Method, url: string, body?: unknown) => {
    const res = await t.app.inject({ method, url, headers: { 'x-api-key': t.key, 'content-type': 'application/json' }, payload: body === undefined ? undefined : JSON.stringify(body) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  const session = async () => (await call('POST', '/v1/sessions', { action_description: 'Approve: matrix' })).session_id as string;
  const completed = await session();
  await t.app.services.sessions.completeSession(completed, LIVE_EVIDENCE);
  const policyId = (await call('POST', '/v1/policies', { name: 'matrix' })).policy_id;
  // Registration with the private-address opt-in (the receiver is never called here).
  const webhookId = (await call('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/hook' })).id;
  return { t, session, completed, policyId, webhookId };
}

/** Each endpoint, the scope it needs (null: any valid key) and how to call it. */
const ENDPOINTS: { name: string; scope: Scope | null; method: Method; url: (f: Fixture) => Promise<string> | string; body?: unknown }[] = [
  { name: 'create session', scope: 'session:write', method: 'POST', url: () => '/v1/sessions', body: { action_description: 'Approve: x' } },
  { name: 'session status', scope: 'session:read', method: 'GET', url: (f) => f.session().then((id) => `/v1/sessions/${id}`) },
  { name: 'session result', scope: 'session:read', method: 'GET', url: (f) => `/v1/sessions/${f.completed}/result` },
  { name: 'session wait', scope: 'session:read', method: 'GET', url: (f) => `/v1/sessions/${f.completed}/wait?timeout_s=0` },
  { name: 'cancel session', scope: 'session:write', method: 'POST', url: (f) => f.session().then((id) => `/v1/sessions/${id}/cancel`), body: {} },
  { name: 'read audit trail', scope: 'session:audit', method: 'GET', url: (f) => `/v1/sessions/${f.completed}/audit` },
  { name: 'append audit note', scope: 'session:audit', method: 'POST', url: (f) => `/v1/sessions/${f.completed}/audit`, body: { note: 'n' } },
  { name: 'list reviews', scope: 'session:audit', method: 'GET', url: (f) => `/v1/sessions/${f.completed}/reviews` },
  { name: 'add review', scope: 'session:audit', method: 'POST', url: (f) => `/v1/sessions/${f.completed}/reviews`, body: { message: 'ok' } },
  { name: 'attestation status', scope: 'session:read', method: 'GET', url: (f) => `/v1/attestations/${f.completed}` },
  { name: 'revoke attestation', scope: 'session:write', method: 'POST', url: (f) => `/v1/attestations/${f.completed}/revoke`, body: {} },
  { name: 'list policies', scope: 'session:read', method: 'GET', url: () => '/v1/policies' },
  { name: 'get policy', scope: 'session:read', method: 'GET', url: (f) => `/v1/policies/${f.policyId}` },
  { name: 'create policy', scope: 'policy:write', method: 'POST', url: () => '/v1/policies', body: { name: 'p' } },
  { name: 'update policy', scope: 'policy:write', method: 'PATCH', url: (f) => `/v1/policies/${f.policyId}`, body: { name: 'q' } },
  { name: 'read tenant policy floor', scope: 'session:read', method: 'GET', url: () => '/v1/tenant/policy-floor' },
  { name: 'set tenant policy floor', scope: 'policy:write', method: 'PUT', url: () => '/v1/tenant/policy-floor', body: {} },
  { name: 'list webhooks', scope: 'session:read', method: 'GET', url: () => '/v1/webhooks' },
  { name: 'register webhook', scope: 'session:write', method: 'POST', url: () => '/v1/webhooks', body: { url: 'http://127.0.0.1:9/other' } },
  { name: 'delete webhook', scope: 'session:write', method: 'DELETE', url: () => '/v1/webhooks/wh_doesnotexist' },
  { name: 'list checks', scope: 'session:read', method: 'GET', url: () => '/v1/checks' },
  { name: 'whoami', scope: null, method: 'GET', url: () => '/v1/whoami' },
  { name: 'metrics', scope: 'metrics:read', method: 'GET', url: () => '/metrics' },
  { name: 'forget user templates', scope: 'session:write', method: 'DELETE', url: () => '/v1/users/someone/templates' },
];

describe('scopes x REST endpoints', () => {
  let f: Fixture;
  const keys = new Map<Scope, string>();
  let revoked: string;

  beforeAll(async () => {
    f = await fixture(await createTestApp({ webhookAllowPrivate: true } as never, { analyzer: false }));
    for (const scope of SCOPES) keys.set(scope, (await createApiKey(f.t.store, { name: scope, scopes: [scope], tenantId: 'default' })).key);
    const r = await createApiKey(f.t.store, { name: 'revoked', scopes: [], tenantId: 'default' });
    await f.t.store.revokeApiKey(r.id, Date.now());
    revoked = r.key;
  });
  afterAll(() => f?.t.close());

  const send = async (e: (typeof ENDPOINTS)[number], headers: Record<string, string>) =>
    f.t.app.inject({ method: e.method, url: await e.url(f), headers: { ...(e.body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, payload: e.body === undefined ? undefined : JSON.stringify(e.body) });

  for (const e of ENDPOINTS) {
    it.each(SCOPES)(`${e.method} ${e.name} with a %s key`, async (scope) => {
      const res = await send(e, { 'x-api-key': keys.get(scope)! });
      if (e.scope === null || e.scope === scope) {
        expect([401, 403], `${e.name}: ${res.body}`).not.toContain(res.statusCode);
        expect(res.statusCode, res.body).toBeLessThan(500);
      } else {
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json().error).toMatchObject({ code: 'insufficient_scope', details: { required_scope: e.scope } });
      }
    });

    it(`${e.method} ${e.name}: no key, a revoked key, a forged key -> 401 with the error shape`, async () => {
      const attempts: Record<string, string>[] = [{}, { 'x-api-key': revoked }, { authorization: `Bearer ${f.t.key.slice(0, -2)}xx` }];
      for (const headers of attempts) {
        const res = await send(e, headers);
        expect(res.statusCode).toBe(401);
        expect(isErrorBody(res.json(), 401)).toBe(true);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      }
    });
  }
});

/** MCP tools, the scope each needs (docs/MCP.md) and arguments that pass the input schema. */
const TOOLS: { tool: string; scope: Scope | null; args: (f: Fixture) => Promise<Record<string, unknown>> | Record<string, unknown> }[] = [
  { tool: 'verify_human_presence', scope: 'session:write', args: () => ({ action_description: 'Approve: tool matrix' }) },
  { tool: 'check_verification_status', scope: 'session:read', args: (f) => ({ session_id: f.completed }) },
  { tool: 'wait_for_verification', scope: 'session:read', args: (f) => ({ session_id: f.completed, timeout_s: 1 }) },
  { tool: 'get_verification_result', scope: 'session:read', args: (f) => ({ session_id: f.completed }) },
  { tool: 'revoke_session', scope: 'session:write', args: async (f) => ({ session_id: await f.session() }) },
  { tool: 'list_policies', scope: 'session:read', args: () => ({}) },
  { tool: 'get_policy', scope: 'session:read', args: (f) => ({ policy_id: f.policyId }) },
  { tool: 'create_policy', scope: 'policy:write', args: () => ({ name: 'tool policy' }) },
  { tool: 'update_policy', scope: 'policy:write', args: (f) => ({ policy_id: f.policyId, name: 'renamed' }) },
  { tool: 'list_checks', scope: 'session:read', args: () => ({}) },
  { tool: 'update_session_status', scope: 'session:audit', args: (f) => ({ session_id: f.completed, status: 'approved', note: 'ok' }) },
  { tool: 'create_session_review', scope: 'session:audit', args: (f) => ({ session_id: f.completed, message: 'ok' }) },
  { tool: 'list_session_reviews', scope: 'session:audit', args: (f) => ({ session_id: f.completed }) },
  { tool: 'whoami', scope: null, args: () => ({}) },
  { tool: 'forget_user', scope: 'session:write', args: () => ({ user_identifier: 'someone' }) },
];

describe('scopes x MCP tools', () => {
  let f: Fixture;
  const keys = new Map<Scope, string>();
  beforeAll(async () => {
    f = await fixture(await createTestApp({ webhookAllowPrivate: true } as never, { analyzer: false }));
    for (const scope of SCOPES) keys.set(scope, (await createApiKey(f.t.store, { name: scope, scopes: [scope], tenantId: 'default' })).key);
  });
  afterAll(() => f?.t.close());

  for (const { tool, scope: needed, args } of TOOLS) {
    it.each(SCOPES)(`${tool} with a %s key`, async (scope) => {
      const mcp = await connectInMemory(f.t, keys.get(scope)!);
      try {
        const result = await mcp.client.callTool({ name: tool, arguments: await args(f) });
        if (needed === null || needed === scope) {
          if (result.isError) expect(errorOf(result).code, JSON.stringify(result)).not.toMatch(/insufficient_scope|unauthorized|invalid_request/);
        } else {
          expect(errorOf(result)).toMatchObject({ code: 'insufficient_scope' });
        }
      } finally {
        await mcp.close();
      }
    });
  }
});

describe.each(['sqlite', 'postgres'] as const)('tenant isolation on %s', (kind) => {
  let cluster: TestPostgres | null = null;
  let f: Fixture;
  let other: string;

  beforeAll(async () => {
    cluster = kind === 'postgres' ? await startPostgres() : null;
    const t = await createTestApp({ webhookAllowPrivate: true } as never, { analyzer: false, ...(cluster ? { databaseUrl: cluster.url } : {}) });
    f = await fixture(t);
    other = await t.keyWith([], 'tenant-b');
  });
  afterAll(async () => {
    await f?.t.close();
    await cluster?.stop();
  });

  const asOther = (method: Method, url: string, body?: unknown) =>
    f.t.app.inject({ method, url, headers: { 'x-api-key': other, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, payload: body === undefined ? undefined : JSON.stringify(body) });

  it('another tenant gets 404 for every session, attestation, policy and webhook of this one, and changes nothing', async () => {
    const pending = await f.session();
    const before = await f.t.store.listAudit(f.completed);
    const cases: [Method, string, unknown, string][] = [
      ['GET', `/v1/sessions/${pending}`, undefined, 'session_not_found'],
      ['GET', `/v1/sessions/${f.completed}/result`, undefined, 'session_not_found'],
      ['GET', `/v1/sessions/${pending}/wait?timeout_s=0`, undefined, 'session_not_found'],
      ['POST', `/v1/sessions/${pending}/cancel`, {}, 'session_not_found'],
      ['GET', `/v1/sessions/${f.completed}/audit`, undefined, 'session_not_found'],
      ['POST', `/v1/sessions/${f.completed}/audit`, { note: 'planted' }, 'session_not_found'],
      ['GET', `/v1/sessions/${f.completed}/reviews`, undefined, 'session_not_found'],
      ['POST', `/v1/sessions/${f.completed}/reviews`, { message: 'planted', decision: 'declined' }, 'session_not_found'],
      ['POST', `/v1/attestations/${f.completed}/revoke`, {}, 'attestation_not_found'],
      ['GET', `/v1/policies/${f.policyId}`, undefined, 'policy_not_found'],
      ['PATCH', `/v1/policies/${f.policyId}`, { name: 'stolen' }, 'policy_not_found'],
      ['DELETE', `/v1/webhooks/${f.webhookId}`, undefined, 'webhook_not_found'],
      ['POST', '/v1/sessions', { action_description: 'Approve: x', policy: f.policyId }, 'policy_not_found'],
    ];
    for (const [method, url, body, code] of cases) {
      const res = await asOther(method, url, body);
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
      expect(res.json().error.code).toBe(code);
    }
    // An attestation of another tenant reads as unknown, like one that never existed.
    expect((await asOther('GET', `/v1/attestations/${f.completed}`)).json()).toMatchObject({ status: 'unknown' });
    expect((await asOther('GET', '/v1/policies')).json().policies).toEqual([]);
    expect((await asOther('GET', '/v1/webhooks')).json().webhooks).toEqual([]);

    expect((await f.t.store.getSession(pending))?.status).toBe('pending');
    expect(await f.t.store.listAudit(f.completed)).toHaveLength(before.length);
    expect(await f.t.store.listReviews(f.completed)).toEqual([]);
    expect((await f.t.store.getAttestation(f.completed))?.revoked_at).toBeNull();
    expect((await f.t.store.getPolicy('default', f.policyId))?.name).toBe('matrix');
  });

  it('over MCP too: tools and resources of another tenant answer not found', async () => {
    const mcp = await connectInMemory(f.t, other);
    try {
      for (const tool of ['check_verification_status', 'get_verification_result', 'revoke_session', 'list_session_reviews']) {
        const result = await mcp.client.callTool({ name: tool, arguments: { session_id: f.completed } });
        expect(errorOf(result).code, tool).toBe('session_not_found');
      }
      expect(errorOf(await mcp.client.callTool({ name: 'get_policy', arguments: { policy_id: f.policyId } })).code).toBe('policy_not_found');
      await expect(mcp.client.readResource({ uri: `livegate://sessions/${f.completed}` })).rejects.toThrow();
      await expect(mcp.client.subscribeResource({ uri: `livegate://sessions/${f.completed}` })).rejects.toThrow();
    } finally {
      await mcp.close();
    }
    expect((await f.t.store.getSession(f.completed))?.status).toBe('completed');
  });
});
