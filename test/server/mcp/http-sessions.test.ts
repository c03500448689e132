// The HTTP session registry on its own: cap, idle release with a frozen clock, closeAll.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../server/errors.ts';
import { createMcpSessionRegistry, type McpSessionRegistryOptions } from '../../../server/mcp/http-sessions.ts';
import { createServer } from '../../../server/mcp/server.ts';

const auth = { tenantId: 'default', keyId: 'k1', scopes: [] };
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

function makeRegistry(options: Partial<Omit<McpSessionRegistryOptions, 'createServer'>> = {}) {
  return createMcpSessionRegistry({
    ...options,
    createServer: () =>
      createServer({
        clientFor: () => {
          throw new AppError('unauthorized', 'not used here');
        },
      }),
  });
}

async function initialize(registry: ReturnType<typeof makeRegistry>, as: { tenantId: string; keyId: string; scopes: never[] } = auth) {
  const session = await registry.open(as);
  const response = await session.transport.handleRequest(
    new Request('http://localhost/mcp', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }),
    { parsedBody: INIT },
  );
  await response.text();
  await registry.settle(session);
  return session;
}

describe('MCP HTTP session registry', () => {
  it('registers initialized sessions under their id and refuses more than the cap', async () => {
    const registry = makeRegistry({ maxSessions: 2 });
    const a = await initialize(registry);
    expect(a.id).toBeDefined();
    expect(registry.get(a.id!)).toBe(a);
    await initialize(registry);
    expect(registry.canOpen()).toBe(false);
    await registry.closeAll();
    expect(registry.size).toBe(0);
    expect(registry.canOpen()).toBe(true);
  });

  it('releases a transport whose initialize failed', async () => {
    const registry = makeRegistry();
    const session = await registry.open(auth);
    expect(registry.pendingSize).toBe(1);
    const response = await session.transport.handleRequest(new Request('http://localhost/mcp', { method: 'POST', headers: { accept: 'text/html' } }), {
      parsedBody: INIT,
    });
    expect(response.status).toBe(406);
    await registry.settle(session);
    expect(registry.pendingSize).toBe(0);
    expect(registry.size).toBe(0);
  });

  it('closes sessions idle past the timeout, but not busy ones', async () => {
    let clock = 1_000_000;
    const registry = makeRegistry({ idleMs: 60_000, now: () => clock });
    const idle = await initialize(registry);
    const busy = await initialize(registry);
    busy.active = 1; // an open stream
    registry.markUsed(busy); // and it made calls: only the idle timeout applies
    clock += 61_000;
    expect(await registry.closeIdle()).toBe(1);
    expect(registry.get(idle.id!)).toBeUndefined();
    expect(registry.get(busy.id!)).toBe(busy);
    await registry.closeAll();
  });

  it('caps sessions per API key and per tenant, not only per process', async () => {
    const registry = makeRegistry({ maxSessions: 10, maxSessionsPerKey: 2, maxSessionsPerTenant: 3 });
    const k1 = { tenantId: 't1', keyId: 'k1', scopes: [] };
    const k2 = { tenantId: 't1', keyId: 'k2', scopes: [] };
    const other = { tenantId: 't2', keyId: 'k3', scopes: [] };
    await initialize(registry, k1);
    await initialize(registry, k1);
    expect(registry.capReached(k1)).toBe('key');
    expect(registry.capReached(k2)).toBeNull();
    await initialize(registry, k2);
    expect(registry.capReached(k2)).toBe('tenant');
    expect(registry.capReached(other)).toBeNull();
    await registry.closeAll();
  });

  it('releases a session that made no call after initialize quickly, open stream or not', async () => {
    let clock = 1_000_000;
    const registry = makeRegistry({ idleMs: 15 * 60_000, unusedMs: 60_000, now: () => clock });
    const unused = await initialize(registry);
    unused.active = 1; // a GET stream held open without ever calling anything
    const used = await initialize(registry);
    registry.markUsed(used);
    clock += 59_000;
    expect(await registry.closeIdle()).toBe(0);
    clock += 2_000;
    expect(await registry.closeIdle()).toBe(1);
    expect(registry.get(unused.id!)).toBeUndefined();
    expect(registry.get(used.id!)).toBe(used);
    await registry.closeAll();
  });

  it('releases the sessions of a revoked key, and keeps them when the lookup fails', async () => {
    const revoked = new Set<string>();
    let failing = false;
    const registry = makeRegistry({
      isKeyActive: async (keyId) => {
        if (failing) throw new Error('database down');
        return !revoked.has(keyId);
      },
    });
    const a = await initialize(registry, { tenantId: 't1', keyId: 'ka', scopes: [] });
    const b = await initialize(registry, { tenantId: 't1', keyId: 'kb', scopes: [] });
    failing = true;
    revoked.add('ka');
    expect(await registry.closeRevoked()).toBe(0);
    failing = false;
    expect(await registry.closeRevoked()).toBe(1);
    expect(registry.get(a.id!)).toBeUndefined();
    expect(registry.get(b.id!)).toBe(b);
    await registry.closeAll();
  });
});
