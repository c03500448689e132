// Issue 15: the MCP surface as a model reads it, through the SDK's own Client over real
// Streamable HTTP on loopback (a real app on real SQLite): the tools/list budget and portable
// schemas, short verify results, one sentence of guidance per outcome, protocol errors as the
// spec says, task results that reflect the end, and URL elicitation that never blocks.
import { Client as ClientV2, StreamableHTTPClientTransport as StreamableHTTPClientTransportV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CompleteResultSchema,
  CreateTaskResultSchema,
  ElicitRequestSchema,
  ErrorCode,
  GetTaskResultSchema,
  McpError,
  ReadResourceResultSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOLS_LIST_BUDGET_BYTES } from '../../../server/mcp/catalog.ts';
import { OUTCOME_GUIDANCE } from '../../../server/mcp/guidance.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../../helpers/app.ts';
import { errorOf, structured } from './helpers.ts';

const ACTION = 'Approve: wire transfer of $50,000 to Acme Corp';
const SPOOF = { ...LIVE_EVIDENCE, verdict: 'spoof' as const, score: 20, failure_reasons: ['cnn:spoof'] };
const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;
const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

/** Every place a schema uses a construct some clients reject. */
export function portabilityProblems(schema: unknown, where = ''): string[] {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => portabilityProblems(s, `${where}[${i}]`));
  if (schema === null || typeof schema !== 'object') return [];
  const problems: string[] = [];
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.type)) problems.push(`${where}: type array`);
  const ap = s.additionalProperties;
  if (ap !== null && typeof ap === 'object' && Object.keys(ap).length === 0) problems.push(`${where}: bare additionalProperties {}`);
  for (const [k, v] of Object.entries(s)) problems.push(...portabilityProblems(v, `${where}.${k}`));
  return problems;
}

describe('MCP for the model that reads it (Streamable HTTP)', () => {
  let t: TestApp;
  let url: string;
  let clock = Date.now();
  const open: Client[] = [];

  async function connect(capabilities: ConstructorParameters<typeof Client>[1] = {}): Promise<Client> {
    const client = new Client({ name: 'model-facing', version: '1.0.0' }, capabilities);
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${t.key}` } } }));
    open.push(client);
    return client;
  }
  const create = async (client: Client, args: Record<string, unknown> = {}) =>
    structured<{ session_id: string; verification_url: string; status: string; instructions: string; url_elicitation?: string }>(
      await client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION, ...args } }),
    );

  beforeAll(async () => {
    t = await createTestApp({ mcpRateLimitPerMin: 100_000 }, { analyzer: false, now: () => clock });
    url = `${await t.app.listen({ port: 0, host: '127.0.0.1' })}/mcp`;
  });
  afterAll(async () => {
    for (const c of open) await c.close().catch(() => undefined);
    await t.close();
  });

  it(`keeps tools/list under ${TOOLS_LIST_BUDGET_BYTES} bytes with portable schemas and every tool`, async () => {
    const client = await connect();
    const listed = await client.listTools();
    const bytes = Buffer.byteLength(JSON.stringify({ tools: listed.tools }));
    expect(bytes).toBeLessThanOrEqual(TOOLS_LIST_BUDGET_BYTES);
    expect(listed.tools).toHaveLength(18);
    const verify = listed.tools.find((tool) => tool.name === 'verify_human_presence')!;
    // Field names kept; when to choose high is said to the model.
    expect(Object.keys(verify.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['action_description', 'risk_level', 'policy', 'frame_count']));
    expect(verify.description).toMatch(/high for wire transfers.*contract signing, access-control/);
    expect(verify.execution?.taskSupport).toBe('optional');
    for (const tool of listed.tools) {
      expect(portabilityProblems(tool.inputSchema, tool.name)).toEqual([]);
      expect(portabilityProblems(tool.outputSchema, tool.name)).toEqual([]);
      expect(JSON.stringify(tool)).not.toContain('$schema');
    }
    // The compact `policy` still validates exactly as before: an inline policy below the floor is refused.
    const weak = await client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION, policy: { required_checks: ['pulse'] } } });
    expect(errorOf(weak).code).toBe('policy_below_floor');
    const guide = await client.readResource({ uri: 'livegate://reference/policy-overrides' });
    expect((guide.contents[0] as { text: string }).text).toContain('policy_below_floor');
  });

  it('answers verify_human_presence in under 600 bytes: the instruction first, the link exactly once', async () => {
    const client = await connect();
    const result = await client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION, risk_level: 'high' } });
    const created = structured<{ verification_url: string; session_id: string }>(result);
    const body = text(result);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(600);
    expect(body).toMatch(/^Show the person/);
    expect(count(body, created.verification_url)).toBe(1);
    expect(count(body, 'http')).toBe(1);
    expect(body).toContain(created.session_id);
    expect(result.content).toHaveLength(1);
  });

  it('maps every terminal outcome to its guidance in wait, status and result errors; ended sessions never say wait', async () => {
    const client = await connect();
    const live = await create(client);
    await t.app.services.sessions.completeSession(live.session_id, LIVE_EVIDENCE);
    const spoof = await create(client);
    await t.app.services.sessions.completeSession(spoof.session_id, SPOOF);
    const failed = await create(client);
    await t.app.services.sessions.failSession(failed.session_id, ['face_not_present']);
    const cancelled = await create(client);
    await client.callTool({ name: 'revoke_session', arguments: { session_id: cancelled.session_id } });
    const expired = await create(client, { timeout: 30 });
    clock += 31_000;
    try {
      const cases = { live, spoof, failed, cancelled, expired } as const;
      for (const [outcome, session] of Object.entries(cases) as [keyof typeof cases, { session_id: string }][]) {
        const waited = await client.callTool({ name: 'wait_for_verification', arguments: { session_id: session.session_id, timeout_s: 1 } });
        expect(text(waited), outcome).toContain(OUTCOME_GUIDANCE[outcome]);
        expect(structured<{ timed_out: boolean }>(waited).timed_out).toBe(false);
        const status = await client.callTool({ name: 'check_verification_status', arguments: { session_id: session.session_id } });
        expect(text(status), outcome).toContain(OUTCOME_GUIDANCE[outcome]);
        if (outcome === 'live' || outcome === 'spoof') continue;
        const error = errorOf(await client.callTool({ name: 'get_verification_result', arguments: { session_id: session.session_id } }));
        expect(error.code).toBe('session_not_completed');
        expect(error.hint, outcome).not.toMatch(/wait/i);
        expect(error.hint).toMatch(/^Do not proceed; tell the person .* offer one retry with a new verify_human_presence session\.$/);
        expect(error.details).toMatchObject({ status: outcome });
      }
      expect(text(await client.callTool({ name: 'wait_for_verification', arguments: { session_id: spoof.session_id, timeout_s: 1 } }))).toMatch(
        /^Session ended: completed, verdict spoof — do not proceed;/,
      );
      // Before the end the hint still says wait, and the status text says not to proceed yet.
      const pending = await create(client);
      expect(errorOf(await client.callTool({ name: 'get_verification_result', arguments: { session_id: pending.session_id } })).hint).toMatch(/^Wait/);
      expect(text(await client.callTool({ name: 'check_verification_status', arguments: { session_id: pending.session_id } }))).toMatch(/do not proceed yet/);
    } finally {
      clock -= 31_000;
    }
  });

  it('answers protocol faults as JSON-RPC errors: unknown tool, invalid params, malformed JSON', async () => {
    const client = await connect();
    const unknown = await client.callTool({ name: 'no_such_tool', arguments: {} }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(unknown).toBeInstanceOf(McpError);
    expect((unknown as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((unknown as McpError).message).toMatch(/Unknown tool: no_such_tool/);

    const badParams = await client.request({ method: 'resources/read', params: { uri: 42 } } as never, ReadResourceResultSchema).then(
      () => null,
      (err: unknown) => err,
    );
    expect((badParams as McpError).code).toBe(ErrorCode.InvalidParams);
    await expect(client.request({ method: 'tools/call', params: { name: 'whoami', arguments: 'x' } } as never, CallToolResultSchema)).rejects.toMatchObject({ code: -32602 });
    await expect(client.request({ method: 'logging/setLevel', params: { level: 'loud' } } as never, CallToolResultSchema)).rejects.toMatchObject({ code: -32602 });
    // Arguments a tool's schema refuses stay a tool error the model can correct (spec 2025-11-25).
    expect(errorOf(await client.callTool({ name: 'wait_for_verification', arguments: { session_id: 'x', timeout_s: 500 } })).code).toBe('invalid_request');

    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc": "2.0", "id": 1, "method": "initialize", ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
  });

  it('completes session ids and policy ids, and lets listed resources be subscribed to', async () => {
    const client = await connect();
    const created = await create(client);
    const sessions = await client.complete({ ref: { type: 'ref/resource', uri: 'livegate://sessions/{session_id}' }, argument: { name: 'session_id', value: created.session_id.slice(0, 4) } });
    expect(sessions.completion.values).toContain(created.session_id);
    const policy = structured<{ policy_id: string }>(await client.callTool({ name: 'create_policy', arguments: { name: 'payments-high', risk_level: 'high' } }));
    const policies = await client.request(
      { method: 'completion/complete', params: { ref: { type: 'ref/resource', uri: 'livegate://policies/{policy_id}' }, argument: { name: 'policy_id', value: '' } } },
      CompleteResultSchema,
    );
    expect(policies.completion.values).toContain(policy.policy_id);
    const { resources } = await client.listResources();
    for (const resource of resources) await expect(client.subscribeResource({ uri: resource.uri })).resolves.toEqual({});
    // A session that does not exist is the spec's resource-not-found; prompts have no completions.
    await expect(client.subscribeResource({ uri: 'livegate://sessions/00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: -32002 });
    expect((await client.complete({ ref: { type: 'ref/prompt', name: 'none' }, argument: { name: 'a', value: 'x' } })).completion.values).toEqual([]);
  });

  it('a task result and statusMessage describe the end: final status, no "Show this link"', async () => {
    const client = await connect();
    const { task } = await client.request(
      { method: 'tools/call', params: { name: 'verify_human_presence', arguments: { action_description: ACTION }, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );
    expect(task.statusMessage).toMatch(/^Show the person/);
    const sessionId = /session_id ([0-9a-f-]{36})/.exec(task.statusMessage ?? '')![1];
    await client.callTool({ name: 'revoke_session', arguments: { session_id: sessionId } });
    await expect
      .poll(async () => (await client.request({ method: 'tasks/get', params: { taskId: task.taskId } }, GetTaskResultSchema)).status, { timeout: 10_000 })
      .toBe('completed');
    const final = await client.request({ method: 'tasks/get', params: { taskId: task.taskId } }, GetTaskResultSchema);
    expect(final.statusMessage).toContain(OUTCOME_GUIDANCE.cancelled);
    const result = await client.request({ method: 'tasks/result', params: { taskId: task.taskId } }, CallToolResultSchema);
    expect(text(result)).toMatch(/^Session ended: cancelled, no live verdict — do not proceed;/);
    expect(JSON.stringify(result)).not.toMatch(/Show (this|the person)/);
    expect(result.structuredContent).toMatchObject({ status: 'cancelled', final_status: { status: 'cancelled' } });
  });

  it('URL elicitation never holds the call: unanswered returns within seconds; a decline cancels and says do not proceed', async () => {
    const silent = await connect({ capabilities: { elicitation: { url: {} } } });
    silent.setRequestHandler(ElicitRequestSchema, () => new Promise(() => undefined)); // the person never answers
    const started = Date.now();
    const unanswered = await create(silent);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(unanswered.url_elicitation).toBe('unanswered');
    expect(unanswered.instructions).toMatch(/^Show the person/);

    const declining = await connect({ capabilities: { elicitation: { url: {} } } });
    declining.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
    const declined = await declining.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } });
    const value = structured<{ session_id: string; url_elicitation: string; status: string }>(declined);
    expect(value).toMatchObject({ url_elicitation: 'decline', status: 'cancelled' });
    expect(text(declined)).toMatch(/^The person declined to open the verification page: do not proceed/);
    expect(text(declined)).not.toMatch(/Show/);
    await expect.poll(async () => structured<{ status: string }>(await declining.callTool({ name: 'check_verification_status', arguments: { session_id: value.session_id } })).status).toBe('cancelled');
  });

  it('resumes a POST SSE stream after the connection drops: priming event with id and retry, replay on Last-Event-ID', async () => {
    const headers = { authorization: `Bearer ${t.key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    const inSession = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    await (await fetch(url, { method: 'POST', headers: inSession, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
    const created = await t.app.services.sessions.createSession(await t.app.services.authenticate(t.key), { action_description: ACTION });

    const dropped = new AbortController();
    const waiting = await fetch(url, {
      method: 'POST',
      headers: inSession,
      signal: dropped.signal,
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'wait_for_verification', arguments: { session_id: created.session_id, timeout_s: 20 } } }),
    });
    const reader = waiting.body!.getReader();
    let first = '';
    while (!first.includes('\n\n')) first += new TextDecoder().decode((await reader.read()).value);
    const priming = /^id: (\S+)\nretry: (\d+)\ndata: ?\n/.exec(first);
    expect(priming, first).not.toBeNull();
    expect(Number(priming![2])).toBeGreaterThan(0);
    dropped.abort(); // the connection drops mid-wait

    await t.app.services.sessions.completeSession(created.session_id, LIVE_EVIDENCE);
    const resumed = await fetch(url, { method: 'GET', headers: { ...inSession, accept: 'text/event-stream', 'last-event-id': priming![1] } });
    expect(resumed.status).toBe(200);
    const again = resumed.body!.getReader();
    let replay = '';
    while (!replay.includes('"id":7')) replay += new TextDecoder().decode((await again.read()).value);
    await again.cancel();
    expect(replay).toMatch(/id: \S+\n/);
    expect(replay).toContain('Session ended: completed, verdict live');
  });

  it('a wrong API key reaches the person as text both SDKs show: the cause and the next step', async () => {
    const headers = { authorization: 'Bearer lg_wrong' };
    const v1 = new Client({ name: 'v1', version: '1' });
    const v1Error = await v1.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } })).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(v1Error?.message).toMatch(/The API key is invalid or revoked\. Next step: Send an API key as/);
    const v2 = new ClientV2({ name: 'v2', version: '1' });
    const v2Error = await v2.connect(new StreamableHTTPClientTransportV2(new URL(url), { requestInit: { headers } })).then(
      () => null,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(v2Error?.message).toMatch(/The API key is invalid or revoked\. Next step: Send an API key as/);
  });

  it('create_policy names the allowed frame counts', async () => {
    const client = await connect();
    const error = errorOf(await client.callTool({ name: 'create_policy', arguments: { name: 'odd', frame_count: 11 } }));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/frame_count: .*10, 30, 60, 90, 120/);
  });
});
