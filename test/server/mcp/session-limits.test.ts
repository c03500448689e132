// MCP over real Streamable HTTP: one key or one tenant cannot take every session slot, unused
// sessions are told apart from used ones, and revoking a key ends its sessions and streams.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REVALIDATE_MS } from '../../../server/mcp/http-sessions.ts';
import { mcpSessionsOf } from '../../../server/mcp/http.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { structured } from './helpers.ts';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const keyIdOf = (key: string) => key.split('_')[1];

describe('MCP HTTP session limits', () => {
  let t: TestApp;
  let url = '';
  beforeAll(async () => {
    t = await createTestApp({ mcpRateLimitPerMin: 100_000, mcpMaxSessionsPerKey: 3, mcpMaxSessionsPerTenant: 4 }, { analyzer: false });
    url = `${await t.app.listen({ port: 0, host: '127.0.0.1' })}/mcp`;
  });
  afterAll(async () => t.close());
  afterEach(async () => mcpSessionsOf(t.app.services)?.closeAll());

  async function initialize(key: string): Promise<Response> {
    const res = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, authorization: `Bearer ${key}` }, body: JSON.stringify(INIT) });
    if (res.status === 200) await res.body?.cancel();
    return res;
  }

  it('refuses a key past its cap and a tenant past its cap with 429 too_many_mcp_sessions; other tenants still get in', async () => {
    const registry = mcpSessionsOf(t.app.services)!;
    const keyA = t.key;
    const keyB = await t.keyWith([]);
    const keyC = await t.keyWith([], 'tenant_c');
    const opened: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await initialize(keyA);
      expect(res.status).toBe(200);
      opened.push(res.headers.get('mcp-session-id')!);
    }
    const overKey = await initialize(keyA);
    expect(overKey.status).toBe(429);
    expect((await overKey.json()).error).toMatchObject({ code: 'too_many_mcp_sessions', details: { per: 'key', max: 3 }, hint: expect.stringContaining('LIVEGATE_MCP_MAX_SESSIONS_PER_KEY') });

    expect((await initialize(keyB)).status).toBe(200); // the tenant's 4th
    const overTenant = await initialize(keyB);
    expect(overTenant.status).toBe(429);
    expect((await overTenant.json()).error).toMatchObject({ code: 'too_many_mcp_sessions', details: { per: 'tenant', max: 4 } });

    expect((await initialize(keyC)).status).toBe(200);

    // Closing one frees its slot.
    const closed = await fetch(url, { method: 'DELETE', headers: { accept: MCP_HEADERS.accept, authorization: `Bearer ${keyA}`, 'mcp-session-id': opened[0] } });
    expect(closed.status).toBe(200);
    expect((await initialize(keyA)).status).toBe(200);
    await registry.closeAll();
  });

  it('counts a session as used only once a call follows initialize', async () => {
    const registry = mcpSessionsOf(t.app.services)!;
    const client = new Client({ name: 'limits', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${t.key}` } } });
    await client.connect(transport);
    try {
      const session = registry.get(transport.sessionId!)!;
      expect(session.used).toBe(false); // initialize + notifications/initialized (+ the GET stream)
      await client.listTools();
      expect(session.used).toBe(true);
    } finally {
      await client.close();
      await registry.closeAll();
    }
  });

  it('revoking a key (as `livegate keys revoke` does, from another process) ends its sessions and their notifications', async () => {
    const registry = mcpSessionsOf(t.app.services)!;
    const key = await t.keyWith([]);
    const client = new Client({ name: 'revoked', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
      reconnectionOptions: { maxReconnectionDelay: 1_000, initialReconnectionDelay: 100, reconnectionDelayGrowFactor: 1, maxRetries: 2 },
    });
    await client.connect(transport);
    const id = transport.sessionId!;
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    try {
      const first = structured<{ session_id: string }>(await client.callTool({ name: 'verify_human_presence', arguments: { action_description: 'Approve: payroll run' } }));
      const second = structured<{ session_id: string }>(await client.callTool({ name: 'verify_human_presence', arguments: { action_description: 'Approve: vendor change' } }));
      await client.subscribeResource({ uri: `livegate://sessions/${first.session_id}` });
      await client.subscribeResource({ uri: `livegate://sessions/${second.session_id}` });
      const owner = await t.app.services.authenticate(key);
      // Before revocation, notifications flow.
      await t.app.services.sessions.cancel(owner, first.session_id);
      await expect.poll(() => updates).toEqual([`livegate://sessions/${first.session_id}`]);

      expect(await t.store.revokeApiKey(keyIdOf(key), Date.now())).toBe(true);
      await expect.poll(() => registry.get(id), { timeout: DEFAULT_REVALIDATE_MS * 3, interval: 100 }).toBeUndefined();

      await t.app.services.sessions.cancel(owner, second.session_id);
      await new Promise((r) => setTimeout(r, 500));
      expect(updates).toEqual([`livegate://sessions/${first.session_id}`]);
      await expect(client.listTools()).rejects.toThrow();
    } finally {
      await client.close();
    }
  }, 30_000);
});
