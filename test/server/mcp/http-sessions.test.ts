// The HTTP session registry on its own: cap, idle release with a frozen clock, closeAll.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../server/errors.ts';
import { createMcpSessionRegistry } from '../../../server/mcp/http-sessions.ts';
import { createServer } from '../../../server/mcp/server.ts';

const auth = { tenantId: 'default', keyId: 'k1', scopes: [] };
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

function makeRegistry(options: { maxSessions?: number; idleMs?: number; now?: () => number } = {}) {
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

async function initialize(registry: ReturnType<typeof makeRegistry>) {
  const session = await registry.open(auth);
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
    clock += 61_000;
    expect(await registry.closeIdle()).toBe(1);
    expect(registry.get(idle.id!)).toBeUndefined();
    expect(registry.get(busy.id!)).toBe(busy);
    await registry.closeAll();
  });
});
