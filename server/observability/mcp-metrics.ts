// Counts the tool calls of one McpServer by tool and error code, by wrapping its tools/call
// handler (the one place every tool, the task-based verify_human_presence included, goes through).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ERROR_META_KEY } from '../mcp/results.ts';
import type { Metrics } from './metrics.ts';

type Handler = (request: { params?: { name?: unknown } }, extra: unknown) => Promise<unknown>;
interface Internals {
  _requestHandlers?: Map<string, Handler>;
  _registeredTools?: Record<string, unknown>;
}

/** Error code of a tool result: the Livegate code it carries, "tool_error" for the SDK's own, "ok" otherwise. */
export function toolResultCode(result: unknown): string {
  const r = result as { isError?: boolean; _meta?: Record<string, { code?: unknown } | undefined> } | null;
  if (!r?.isError) return 'ok';
  const code = r._meta?.[ERROR_META_KEY]?.code;
  return typeof code === 'string' ? code : 'tool_error';
}

export function instrumentMcpServer(server: McpServer, metrics: Pick<Metrics, 'mcpToolCall'> | undefined): McpServer {
  if (!metrics) return server;
  const internals = server.server as unknown as Internals;
  const tools = (server as unknown as Internals)._registeredTools ?? {};
  const original = internals._requestHandlers?.get('tools/call');
  if (!original || !internals._requestHandlers) return server;
  internals._requestHandlers.set('tools/call', async (request, extra) => {
    const name = request.params?.name;
    // Only registered names become labels: a caller cannot grow the series with made-up tools.
    const tool = typeof name === 'string' && Object.hasOwn(tools, name) ? name : 'unknown';
    try {
      const result = await original(request, extra);
      metrics.mcpToolCall(tool, toolResultCode(result));
      return result;
    } catch (err) {
      metrics.mcpToolCall(tool, 'protocol_error');
      throw err;
    }
  });
  return server;
}
