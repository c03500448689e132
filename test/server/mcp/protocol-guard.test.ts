// server/mcp/protocol.ts and tool-registry.ts over a raw in-memory transport: refused params are
// -32602 before any handler runs, callbacks set on the transport before connecting survive,
// and every tools/call (refused, unknown, failed, ok) reaches onToolCall.
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../server/errors.ts';
import type { LivegateClient } from '../../../server/mcp/client.ts';
import { ERROR_META_KEY } from '../../../server/mcp/results.ts';
import { createServer } from '../../../server/mcp/server.ts';
import type { ToolCallOutcome } from '../../../server/mcp/tool-registry.ts';

const WHOAMI = { tenant: 't1', key_id: 'k1', scopes: ['session:read'], server_version: 'test', public_url: 'http://localhost' };
const client = {
  whoami: async () => WHOAMI,
  getStatus: async (id: string) => {
    throw new AppError('session_not_found', `No session ${id}.`);
  },
} as unknown as LivegateClient;

let closeAll: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeAll?.();
  closeAll = undefined;
});

async function connect() {
  const calls: Array<[string, string]> = [];
  const onToolCall = (tool: string, outcome: ToolCallOutcome) => {
    const result = 'result' in outcome ? (outcome.result as { isError?: boolean; _meta?: Record<string, { code: string }> }) : undefined;
    calls.push([tool, 'error' in outcome ? 'protocol_error' : result?.isError ? (result._meta?.[ERROR_META_KEY]?.code ?? 'tool_error') : 'ok']);
  };
  const server = createServer({ clientFor: () => client, onToolCall });
  const [peer, serverSide] = InMemoryTransport.createLinkedPair();
  let closedSeen = false;
  serverSide.onclose = () => {
    closedSeen = true;
  };
  const answers = new Map<number, JSONRPCMessage>();
  const waiters = new Map<number, (m: JSONRPCMessage) => void>();
  peer.onmessage = (message) => {
    const id = (message as { id?: number }).id;
    if (typeof id !== 'number') return;
    answers.set(id, message);
    waiters.get(id)?.(message);
  };
  await server.connect(serverSide);
  await peer.start();
  let next = 1;
  const request = async (method: string, params: unknown): Promise<JSONRPCMessage> => {
    const id = next++;
    const answered = new Promise<JSONRPCMessage>((resolve) => waiters.set(id, resolve));
    await peer.send({ jsonrpc: '2.0', id, method, params } as JSONRPCMessage);
    return answered;
  };
  await request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } });
  await peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  closeAll = async () => {
    await server.close();
  };
  return { request, calls, server, closed: () => closedSeen };
}

describe('MCP params guard and tool registry', () => {
  it('answers params a method schema refuses with -32602 naming the field, before any handler', async () => {
    const c = await connect();
    const read = (await c.request('resources/read', { uri: 42 })) as { error?: { code: number; message: string } };
    expect(read.error).toMatchObject({ code: -32602, message: expect.stringContaining('Invalid params for resources/read: params.uri') });
    const nameless = (await c.request('tools/call', { arguments: {} })) as { error?: { code: number; message: string } };
    expect(nameless.error).toMatchObject({ code: -32602, message: expect.stringContaining('name: a tool name is required') });
    const notObject = (await c.request('tools/call', { name: 'whoami', arguments: [1] })) as { error?: { code: number; message: string } };
    expect(notObject.error).toMatchObject({ code: -32602, message: expect.stringContaining('arguments must be an object') });
    // A method outside MCP is the SDK's own -32601, untouched by the guard.
    const unknownMethod = (await c.request('nope/nothing', {})) as { error?: { code: number } };
    expect(unknownMethod.error?.code).toBe(-32601);
  });

  it('reports every tools/call: refused and unknown as protocol errors, tool errors by code, successes as ok', async () => {
    const c = await connect();
    await c.request('tools/call', { arguments: {} });
    const unknown = (await c.request('tools/call', { name: 'no_such_tool', arguments: {} })) as { error?: { code: number; message: string } };
    expect(unknown.error).toMatchObject({ code: -32602, message: expect.stringContaining('Unknown tool: no_such_tool') });
    const bad = (await c.request('tools/call', { name: 'check_verification_status', arguments: { session_id: 7 } })) as { result?: { isError?: boolean; _meta?: Record<string, { code: string }> } };
    expect(bad.result?._meta?.[ERROR_META_KEY]?.code).toBe('invalid_request');
    const missing = (await c.request('tools/call', { name: 'check_verification_status', arguments: { session_id: 's1' } })) as { result?: { isError?: boolean } };
    expect(missing.result?.isError).toBe(true);
    const me = (await c.request('tools/call', { name: 'whoami', arguments: {} })) as { result?: { structuredContent?: unknown } };
    expect(me.result?.structuredContent).toEqual(WHOAMI);
    expect(c.calls).toEqual([
      ['unknown', 'protocol_error'],
      ['unknown', 'protocol_error'],
      ['check_verification_status', 'invalid_request'],
      ['check_verification_status', 'session_not_found'],
      ['whoami', 'ok'],
    ]);
  });

  it('a tool that does not run as a task refuses task augmentation with -32602', async () => {
    const c = await connect();
    const answer = (await c.request('tools/call', { name: 'whoami', arguments: {}, task: { ttl: 1000 } })) as { error?: { code: number } };
    expect(answer.error?.code).toBe(-32602);
  });

  it('keeps a close callback set on the transport before connecting', async () => {
    const c = await connect();
    await c.server.close();
    closeAll = undefined;
    expect(c.closed()).toBe(true);
  });
});
