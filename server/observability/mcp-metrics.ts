// Counts MCP tool calls by tool and error code: the tool registry (server/mcp/tool-registry.ts)
// reports every tools/call, the task-based verify_human_presence included, and the params guard
// every tools/call it refuses before that.
import { ERROR_META_KEY } from '../mcp/results.ts';
import type { ToolCallOutcome } from '../mcp/tool-registry.ts';
import type { Metrics } from './metrics.ts';

/** Error code of a tool result: the Livegate code it carries, "tool_error" for the SDK's own, "ok" otherwise. */
export function toolResultCode(result: unknown): string {
  const r = result as { isError?: boolean; _meta?: Record<string, { code?: unknown } | undefined> } | null;
  if (!r?.isError) return 'ok';
  const code = r._meta?.[ERROR_META_KEY]?.code;
  return typeof code === 'string' ? code : 'tool_error';
}

/** The onToolCall of createServer() that counts into livegate_mcp_tool_calls_total. */
export function countToolCalls(metrics: Pick<Metrics, 'mcpToolCall'>): (tool: string, outcome: ToolCallOutcome) => void {
  return (tool, outcome) => metrics.mcpToolCall(tool, 'error' in outcome ? 'protocol_error' : toolResultCode(outcome.result));
}
