// Inputs that used to answer 500: deep JSON, lone surrogates, NUL characters (in bodies and path
// parameters). The same 4xx on SQLite and PostgreSQL, over REST and over MCP.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findInputProblem, MAX_INPUT_DEPTH } from '../../server/input-guard.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { connectInMemory, errorOf, structured } from './mcp/helpers.ts';

const ACTION = 'Approve: Wire transfer of $50,000 to Acme Corp';

/** `{"a":{"a":...{"a":1}}}` with `levels` objects, as JSON text (JSON.stringify would overflow first). */
function nestedJson(levels: number): string {
  return '{"a":'.repeat(levels - 1) + '{"a":1}' + '}'.repeat(levels - 1);
}

describe('findInputProblem', () => {
  it('walks iteratively: a 100,000-level value is refused, not a stack overflow', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(findInputProblem(deep)).toMatchObject({ reason: 'too_deep' });
    expect(findInputProblem(JSON.parse(nestedJson(MAX_INPUT_DEPTH)))).toBeNull();
    expect(findInputProblem(JSON.parse(nestedJson(MAX_INPUT_DEPTH + 1)))).toMatchObject({ reason: 'too_deep' });
  });

  it('finds lone surrogates and NULs in values and keys, and skips byte arrays', () => {
    expect(findInputProblem({ a: ['ok', 'x\ud800'] })).toEqual({ reason: 'ill_formed_string', path: 'body.a.1' });
    expect(findInputProblem({ 'k\udc00': 1 })).toMatchObject({ reason: 'ill_formed_string' });
    expect(findInputProblem({ a: { b: 'x\u0000y' } })).toEqual({ reason: 'nul_character', path: 'body.a.b' });
    expect(findInputProblem({ 'k\u0000': 1 })).toMatchObject({ reason: 'nul_character' });
    expect(findInputProblem({ emoji: '😀 ok', bytes: new Uint8Array([0, 0]) })).toBeNull();
  });
});

const backends = [
  { name: 'sqlite', pg: false },
  { name: 'postgres', pg: true },
];

describe.each(backends)('hostile inputs on $name', ({ pg }) => {
  let t: TestApp;
  let cluster: TestPostgres | undefined;
  let url = '';
  beforeAll(async () => {
    if (pg) cluster = await startPostgres();
    t = await createTestApp({}, { analyzer: false, databaseUrl: cluster?.url });
    url = `${await t.app.listen({ port: 0, host: '127.0.0.1' })}/mcp`;
  });
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  const post = (path: string, payload: string, method: 'POST' | 'PATCH' = 'POST') =>
    t.app.inject({ method, url: path, headers: { 'x-api-key': t.key, 'content-type': 'application/json' }, payload });

  it('refuses JSON nested past the limit in action_details and metadata with 400 input_too_deep', async () => {
    for (const field of ['action_details', 'metadata']) {
      for (const levels of [3_000, 20_000, MAX_INPUT_DEPTH + 1]) {
        const res = await post('/v1/sessions', `{"action_description":${JSON.stringify(ACTION)},"${field}":${nestedJson(levels)}}`);
        expect(res.statusCode, `${field} ${levels}`).toBe(400);
        expect(res.json().error).toMatchObject({ code: 'input_too_deep', details: { max_depth: MAX_INPUT_DEPTH } });
      }
    }
    // The top level counts: action_details itself is level 2.
    const ok = await post('/v1/sessions', `{"action_description":${JSON.stringify(ACTION)},"action_details":${nestedJson(MAX_INPUT_DEPTH - 1)}}`);
    expect(ok.statusCode).toBe(201);
  });

  it('refuses a lone surrogate in any text field with 400 invalid_text', async () => {
    const bodies = [
      `{"action_description":"Approve \\ud800 this"}`,
      `{"action_description":"ok","user_identifier":"\\udfff"}`,
      `{"action_description":"ok","action_details":{"note":"a\\ud83d"}}`,
      `{"action_description":"ok","metadata":{"\\ud800key":1}}`,
    ];
    for (const body of bodies) {
      const res = await post('/v1/sessions', body);
      expect(res.statusCode, body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'invalid_text', details: { reason: 'ill_formed_string' } });
    }
  });

  it('refuses NUL in stored strings with 400 invalid_text on every route', async () => {
    const cases: Array<[string, string, 'POST' | 'PATCH']> = [
      ['/v1/sessions', `{"action_description":"Approve\\u0000 this"}`, 'POST'],
      ['/v1/sessions', `{"action_description":"ok","metadata":{"k":"v\\u0000"}}`, 'POST'],
      ['/v1/sessions', `{"action_description":"ok","nonce":"\\u0000"}`, 'POST'],
      ['/v1/policies', `{"name":"p\\u0000"}`, 'POST'],
      ['/v1/webhooks', `{"url":"https://example.com/\\u0000"}`, 'POST'],
    ];
    for (const [path, body, method] of cases) {
      const res = await post(path, body, method);
      expect(res.statusCode, body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'invalid_text', details: { reason: 'nul_character' } });
    }
    const query = await t.app.inject({ url: '/v1/sessions/00000000-0000-4000-8000-000000000000/wait?timeout_s=%00', headers: { 'x-api-key': t.key } });
    expect(query.statusCode).toBe(400);
  });

  it('answers a NUL path id as not found (404), like any unknown id', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/v1/policies/%00', 'policy_not_found'],
      ['PATCH', '/v1/policies/pol_%00', 'policy_not_found'],
      ['DELETE', '/v1/webhooks/%00', 'webhook_not_found'],
      ['GET', '/v1/sessions/%00', 'session_not_found'],
      ['GET', '/v1/sessions/%00/audit', 'session_not_found'],
    ];
    for (const [method, path, code] of cases) {
      const res = await t.app.inject({ method: method as 'GET', url: path, headers: { 'x-api-key': t.key }, ...(method === 'PATCH' ? { payload: { name: 'x' } } : {}) });
      expect(res.statusCode, `${method} ${path}`).toBe(404);
      expect(res.json().error.code).toBe(code);
    }
    // The capture page's routes too (before the capture token is even looked at).
    const capture = await t.app.inject({ url: '/v1/capture/%00', headers: { authorization: 'Capture AAAAAAAAAAAAAAAAAAAAAAAA' } });
    expect(capture.statusCode).toBe(404);
  });

  it('refuses the same inputs over MCP: JSON-RPC -32602 over HTTP, tool errors in process (stdio path)', async () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i++) deep = { a: deep };
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ action_description: 'Approve \ud800' }, 'invalid_text'],
      [{ action_description: 'Approve \u0000' }, 'invalid_text'],
      [{ action_description: ACTION, action_details: deep }, 'input_too_deep'],
    ];
    const client = new Client({ name: 'input-guard', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${t.key}` } } }));
    const local = await connectInMemory(t, t.key);
    try {
      for (const [args, code] of bad) {
        const refused = await client.callTool({ name: 'verify_human_presence', arguments: args }).then(() => null, (e: unknown) => e);
        expect(refused).toBeInstanceOf(McpError);
        expect((refused as McpError).code).toBe(-32602);
        expect((refused as McpError).message).toContain(code);
        expect(errorOf(await local.client.callTool({ name: 'verify_human_presence', arguments: args })).code).toBe(code);
      }
      // A malformed %-escape in a resource URI is a bad parameter (-32602), not an internal error.
      for (const c of [client, local.client]) {
        const sub = await c.subscribeResource({ uri: 'livegate://sessions/%E0%A4%A' }).then(() => null, (e: unknown) => e);
        expect(sub).toBeInstanceOf(McpError);
        expect((sub as McpError).code).toBe(-32602);
      }
      // The session still works afterwards on both.
      expect(structured(await client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }))).toMatchObject({ status: 'pending' });
      expect(structured(await local.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }))).toMatchObject({ status: 'pending' });
    } finally {
      await client.close();
      await local.close();
    }
  });
});
