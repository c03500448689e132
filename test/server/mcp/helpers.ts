// MCP test helpers: a real app (SQLite in a temp dir) and SDK clients connected to createServer()
// over InMemoryTransport, as a given API key.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { createLocalClientFactory } from '../../../server/mcp/local.ts';
import { ERROR_META_KEY } from '../../../server/mcp/results.ts';
import { createServer } from '../../../server/mcp/server.ts';
import type { TestApp } from '../../helpers/app.ts';

export interface Connected {
  client: Client;
  close(): Promise<void>;
}

/** Connects an SDK client to a fresh createServer() acting as the holder of `key`. */
export async function connectInMemory(t: TestApp, key: string, capabilities: ClientCapabilities = {}): Promise<Connected> {
  const auth = await t.app.services.authenticate(key);
  const clientFor = createLocalClientFactory(t.app.services);
  const server = createServer({ clientFor: () => clientFor(auth) });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test', version: '1.0.0' }, { capabilities });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

export function errorOf(result: CallToolResult | Record<string, unknown>): { code: string; message: string; hint: string; details?: Record<string, unknown> } {
  const r = result as CallToolResult;
  if (!r.isError) throw new Error(`expected a tool error, got ${JSON.stringify(r.structuredContent ?? r.content)}`);
  return (r._meta as Record<string, never>)[ERROR_META_KEY];
}

export function structured<T = Record<string, unknown>>(result: CallToolResult | Record<string, unknown>): T {
  const r = result as CallToolResult;
  if (r.isError) throw new Error(`unexpected tool error: ${(r.content[0] as { text: string }).text}`);
  return r.structuredContent as T;
}
