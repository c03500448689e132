// The defects the reliability suites found, each pinned by a direct test (the fuzz and the fault
// suites found them; these say exactly what was wrong).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../server/auth/api-keys.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../helpers/app.ts';
import { isErrorBody } from './lib/answers.ts';
import { MCP_HEADERS } from './lib/fuzz-target.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { analyzer: false });
});
afterAll(() => t?.close());

describe('router errors have the error shape', () => {
  it('a bad percent-encoding in the path: 400 invalid_request (was Fastify\'s own FST_ERR_BAD_URL body)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/sessions/%zz', headers: { 'x-api-key': t.key } });
    expect(res.statusCode).toBe(400);
    expect(isErrorBody(res.json(), 400)).toBe(true);
    expect(res.json().error.code).toBe('invalid_request');
  });

  it('a path parameter past the router limit: 400 invalid_request (was a bare 414)', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/policies/${'a'.repeat(300)}`, headers: { 'x-api-key': t.key } });
    expect(res.statusCode).toBe(400);
    expect(isErrorBody(res.json(), 400)).toBe(true);
  });
});

describe('MCP over HTTP', () => {
  let sid: string;
  const post = (body: unknown) => t.app.inject({ method: 'POST', url: '/mcp', headers: { ...MCP_HEADERS, 'x-api-key': t.key, 'mcp-session-id': sid }, payload: JSON.stringify(body) });
  const messages = (body: string) =>
    body
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)))
      .concat(body.trim().startsWith('{') ? [JSON.parse(body)] : []);

  beforeAll(async () => {
    const init = await t.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { ...MCP_HEADERS, 'x-api-key': t.key },
      payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'r', version: '1' } } }),
    });
    sid = String(init.headers['mcp-session-id']);
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  });

  it('params a method\'s schema refuses: -32602 Invalid params (was -32603 Internal error)', async () => {
    for (const bad of [
      { jsonrpc: '2.0', id: 2, method: 'tasks/result', params: {} },
      { jsonrpc: '2.0', id: 3, method: 'resources/read', params: { uri: 42 } },
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { arguments: {} } },
    ]) {
      const res = await post(bad);
      expect(res.statusCode).toBe(200);
      const [answer] = messages(res.body);
      expect(answer).toMatchObject({ id: bad.id, error: { code: -32602 } });
    }
  });

  it('an unknown tool: the protocol error -32602 naming the tool (was a bare text)', async () => {
    const res = await post({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } });
    const [answer] = messages(res.body);
    expect(answer.result).toBeUndefined();
    expect(answer.error).toMatchObject({ code: -32602, message: expect.stringContaining('no_such_tool') });
  });
});

describe('attestation revocation', () => {
  it('a key with session:write alone revokes and gets the answer (was 403 after revoking)', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: 'Approve: x' } })).json();
    await t.app.services.sessions.completeSession(created.session_id, LIVE_EVIDENCE);
    const writer = (await createApiKey(t.store, { name: 'writer', scopes: ['session:write'], tenantId: 'default' })).key;
    const res = await t.app.inject({ method: 'POST', url: `/v1/attestations/${created.session_id}/revoke`, headers: { 'x-api-key': writer }, payload: {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ jti: created.session_id, status: 'revoked' });
  });
});
