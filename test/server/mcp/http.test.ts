// MCP over real Streamable HTTP on loopback: buildApp + listen on port 0, SQLite in a temp dir.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as ClientV2, StreamableHTTPClientTransport as StreamableHTTPClientTransportV2 } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpSessionsOf } from '../../../server/mcp/http.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../../helpers/app.ts';
import { errorOf, structured } from './helpers.ts';

const ACTION = 'Approve: deploy release 4.2 to production';
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function startApp(mcpRateLimitPerMin: number): Promise<TestApp & { url: string }> {
  const t = await createTestApp({ mcpRateLimitPerMin }, { analyzer: false });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return Object.assign(t, { url: `${address}/mcp` });
}

async function connect(url: string, headers: Record<string, string>): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return { client, transport };
}

describe('MCP over Streamable HTTP', () => {
  let t: TestApp & { url: string };
  const bearer = () => ({ authorization: `Bearer ${t.key}` });

  beforeAll(async () => {
    t = await startApp(100_000);
  });
  afterAll(async () => t.close());

  it('lists every tool and resource and drives a session pending -> cancelled (Bearer)', async () => {
    const { client, transport } = await connect(t.url, bearer());
    try {
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(18);
      expect((await client.listResources()).resources).toHaveLength(4);
      expect((await client.listResourceTemplates()).resourceTemplates[0].uriTemplate).toBe('livegate://sessions/{session_id}');

      const created = structured<{ session_id: string; status: string }>(await client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }));
      expect(created.status).toBe('pending');
      const updates: string[] = [];
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
      await client.subscribeResource({ uri: `livegate://sessions/${created.session_id}` });

      const cancelled = structured(await client.callTool({ name: 'revoke_session', arguments: { session_id: created.session_id, reason: 'not needed' } }));
      expect(cancelled).toMatchObject({ status: 'cancelled', reason: 'not needed' });
      expect(structured(await client.callTool({ name: 'check_verification_status', arguments: { session_id: created.session_id } }))).toMatchObject({ status: 'cancelled' });
      // The notification travels on the standalone GET stream.
      await expect.poll(() => updates).toEqual([`livegate://sessions/${created.session_id}`]);
      await transport.terminateSession();
    } finally {
      await client.close();
    }
  });

  it('accepts X-API-Key, completes a session and waits with progress over SSE', async () => {
    const { client, transport } = await connect(t.url, { 'x-api-key': t.key });
    try {
      const created = structured<{ session_id: string }>(await client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }));
      const progress: string[] = [];
      const waiting = client.callTool({ name: 'wait_for_verification', arguments: { session_id: created.session_id, timeout_s: 20 } }, undefined, {
        onprogress: (p) => void progress.push(p.message ?? ''),
      });
      await new Promise((r) => setTimeout(r, 150));
      await t.app.services.sessions.completeSession(created.session_id, LIVE_EVIDENCE);
      expect(structured(await waiting)).toMatchObject({ status: 'completed', verdict: 'live', timed_out: false });
      expect(progress).toEqual(['Session is completed (live)']);
      const result = structured<{ signature: string }>(await client.callTool({ name: 'get_verification_result', arguments: { session_id: created.session_id } }));
      expect(structured(await client.callTool({ name: 'verify_attestation', arguments: { token: result.signature, action_description: ACTION } }))).toMatchObject({ valid: true });
      await transport.terminateSession();
    } finally {
      await client.close();
    }
  });

  it('answers tool errors over HTTP the same way (bad input, unknown session, missing scope)', async () => {
    const { client, transport } = await connect(t.url, bearer());
    const reader = await connect(t.url, { authorization: `Bearer ${await t.keyWith(['session:read'])}` });
    try {
      expect(errorOf(await client.callTool({ name: 'verify_human_presence', arguments: { action_description: '' } })).code).toBe('invalid_request');
      expect(errorOf(await client.callTool({ name: 'get_verification_result', arguments: { session_id: '00000000-0000-4000-8000-000000000000' } })).code).toBe('session_not_found');
      expect(errorOf(await reader.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } })).code).toBe('insufficient_scope');
      await transport.terminateSession();
      await reader.transport.terminateSession();
    } finally {
      await client.close();
      await reader.client.close();
    }
  });

  it('401 with WWW-Authenticate: Bearer realm="livegate-mcp" without a valid key', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer lg_nope' }, { 'x-api-key': `${t.key}x` }];
    for (const headers of attempts) {
      const res = await fetch(t.url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(INIT) });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="livegate-mcp"');
      expect((await res.json()).error).toMatchObject({ code: -32000, message: expect.stringMatching(/^Unauthorized: /), data: { code: 'unauthorized', hint: expect.stringContaining('Bearer') } });
    }
    const client = new Client({ name: 'no-key', version: '1' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(t.url)))).rejects.toThrow(/401|Unauthorized/i);
  });

  it('rejects foreign Host and Origin headers (DNS rebinding), accepts localhost', async () => {
    const { request } = await import('node:http');
    const port = new URL(t.url).port;
    const post = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { ...MCP_HEADERS, ...bearer(), ...headers } }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end(JSON.stringify(INIT));
      });
    const evilHost = await post({ host: `evil.example:${port}` });
    expect(evilHost.status).toBe(403);
    expect(JSON.parse(evilHost.body).error.code).toBe('host_not_allowed');
    const evilOrigin = await post({ host: `localhost:${port}`, origin: 'http://evil.example' });
    expect(evilOrigin.status).toBe(403);
    expect(JSON.parse(evilOrigin.body).error.message).toContain('origin');
    const ok = await post({ host: `localhost:${port}`, origin: `http://localhost:${port}` });
    expect(ok.status).toBe(200);
    const sessionId = /"protocolVersion"/.test(ok.body);
    expect(sessionId).toBe(true);
  });

  it('binds a session to the key that opened it; unknown sessions are 404, requests without one 400', async () => {
    const { client, transport } = await connect(t.url, bearer());
    try {
      const otherKey = await t.keyWith([]);
      const hijack = await fetch(t.url, {
        method: 'POST',
        headers: { ...MCP_HEADERS, authorization: `Bearer ${otherKey}`, 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      expect(hijack.status).toBe(404);
      const unknown = await fetch(t.url, {
        method: 'POST',
        headers: { ...MCP_HEADERS, ...bearer(), 'mcp-session-id': '00000000-0000-4000-8000-000000000000' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).error.code).toBe(-32001);
      const noSession = await fetch(t.url, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer() }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
      expect(noSession.status).toBe(400);
      expect((await fetch(t.url, { method: 'PUT', headers: bearer() })).status).toBe(405);
      await transport.terminateSession();
    } finally {
      await client.close();
    }
  });

  it('releases transports and servers: no growth after 1,000 connect/disconnect cycles', async () => {
    const registry = mcpSessionsOf(t.app.services)!;
    const changes = t.app.services.sessions.changes;
    const session = (id: string) => ({ ...MCP_HEADERS, ...bearer(), 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' });
    async function rawCycle(): Promise<void> {
      const init = await fetch(t.url, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer() }, body: JSON.stringify(INIT) });
      await init.text();
      const id = init.headers.get('mcp-session-id')!;
      await (await fetch(t.url, { method: 'POST', headers: session(id), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
      const { 'content-type': _drop, ...headers } = session(id);
      const closed = await fetch(t.url, { method: 'DELETE', headers });
      expect(closed.status).toBe(200);
      await closed.text();
    }
    async function sdkCycle(): Promise<void> {
      // The full client: GET stream, a call, a subscription; then DELETE.
      const { client, transport } = await connect(t.url, bearer());
      const created = structured<{ session_id: string }>(await client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }));
      await client.subscribeResource({ uri: `livegate://sessions/${created.session_id}` });
      await transport.terminateSession();
      await client.close();
    }
    await rawCycle();
    await sdkCycle();
    const baseline = { sessions: registry.size, pending: registry.pendingSize, listeners: changes.subscriberCount(), resources: process.getActiveResourcesInfo().length };
    // Four clients at a time, 250 cycles each: concurrent opens and closes, 1,000 in all.
    await Promise.all(
      Array.from({ length: 4 }, async (_, lane) => {
        for (let i = 0; i < 250; i++) await (i % 50 === lane ? sdkCycle() : rawCycle());
      }),
    );
    expect(registry.size).toBe(baseline.sessions);
    expect(registry.pendingSize).toBe(baseline.pending);
    expect(changes.subscriberCount()).toBe(baseline.listeners);
    // Keep-alive sockets may come and go; nothing proportional to the 1,000 cycles may remain.
    expect(process.getActiveResourcesInfo().length).toBeLessThan(baseline.resources + 20);
  }, 120_000);

  it('frees sessions whose clients vanish without DELETE once they are idle', async () => {
    const registry = mcpSessionsOf(t.app.services)!;
    const { client, transport } = await connect(t.url, bearer());
    const id = transport.sessionId!;
    // Drop the connection without terminating the session (the client's GET stream closes).
    await client.close();
    expect(registry.get(id)).toBeDefined();
    await expect.poll(async () => registry.closeIdle(0).then(() => registry.get(id))).toBeUndefined();
    const gone = await fetch(t.url, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer(), 'mcp-session-id': id }, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }) });
    expect(gone.status).toBe(404);
  });

  it('a client of the 2.x SDK line (@modelcontextprotocol/client) lists and calls the tools', async () => {
    const client = new ClientV2({ name: 'v2-client', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransportV2(new URL(t.url), { requestInit: { headers: bearer() } });
    await client.connect(transport);
    try {
      expect(transport.protocolVersion).toBe('2025-11-25');
      const { tools } = await client.listTools();
      expect(tools.map((x) => x.name)).toContain('verify_human_presence');
      const created = (await client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } })) as Record<string, unknown>;
      const id = structured<{ session_id: string }>(created).session_id;
      expect(structured(await client.callTool({ name: 'revoke_session', arguments: { session_id: id } }))).toMatchObject({ status: 'cancelled' });
      expect(errorOf(await client.callTool({ name: 'check_verification_status', arguments: { session_id: 'nope' } })).code).toBe('session_not_found');
      await transport.terminateSession();
    } finally {
      await client.close();
    }
  });
});

describe('MCP HTTP rate limit', () => {
  let t: TestApp & { url: string };
  beforeAll(async () => {
    t = await startApp(60);
  });
  afterAll(async () => t.close());

  it('answers the 61st request in a minute from one address with 429, before authentication', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 61; i++) {
      // Alternate authenticated and anonymous requests: both count, and the limit comes first.
      const headers = i % 2 === 0 ? { ...MCP_HEADERS, authorization: `Bearer ${t.key}` } : MCP_HEADERS;
      last = await fetch(t.url, { method: 'POST', headers, body: JSON.stringify(INIT) });
      statuses.push(last.status);
      if (i === 0) {
        expect(last.headers.get('x-ratelimit-limit')).toBe('60');
        expect(last.headers.get('x-ratelimit-remaining')).toBe('59');
      }
      if (i < 60) await last.body?.cancel();
    }
    expect(statuses.slice(0, 60).filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.slice(0, 60).filter((s) => s === 401)).toHaveLength(30);
    expect(statuses[60]).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('x-ratelimit-limit')).toBe('60');
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await last!.json()).error).toMatchObject({ code: 'rate_limited', hint: expect.stringContaining('Retry-After') });
    // Anonymous too: the limit answers before the key is looked at.
    expect((await fetch(t.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT) })).status).toBe(429);
    await mcpSessionsOf(t.app.services)!.closeAll();
  });
});

describe('MCP HTTP shutdown', () => {
  it('closing the app releases open sessions and their SSE streams', async () => {
    const t = await startApp(1_000);
    const { client } = await connect(t.url, { authorization: `Bearer ${t.key}` });
    const registry = mcpSessionsOf(t.app.services)!;
    expect(registry.size).toBe(1);
    let closed = false;
    client.onclose = () => void (closed = true);
    const started = Date.now();
    await t.close(); // would hang on the open GET stream if sessions were not closed first
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(registry.size).toBe(0);
    await client.close();
    expect(closed).toBe(true);
  });
});
