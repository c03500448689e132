// Protocol-level behaviour the SDK's McpServer leaves to us, in one place for every transport:
// - params a request's schema refuses are -32602 Invalid params (the SDK parses by throwing, and
//   a thrown parse error would go out as -32603 Internal error);
// - an unknown tool is the protocol error -32602, not a tool result with isError;
// - tool arguments are checked against the same zod schemas first, so bad input comes back as a
//   tool error with code invalid_request and the issues (the model can fix and retry);
// - tools/list advertises the compact schemas of catalog.ts.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { findInputProblem, inputProblemError } from '../input-guard.ts';
import { advertise } from './catalog.ts';
import { invalidInput, toToolError } from './results.ts';
import type { ToolExtra } from './context.ts';

type Handler = (request: never, extra: ToolExtra) => Promise<unknown>;

interface CallRequest {
  params: { name: string; arguments?: unknown; task?: unknown };
}

export interface ProtocolOptions {
  /** Input schema per registered tool name. */
  inputs: Map<string, z.ZodType>;
  /** Answers a call before the SDK does (e.g. a plain verify_human_presence); undefined: the SDK answers. */
  intercept?(name: string, args: unknown, request: CallRequest, extra: ToolExtra): Promise<unknown> | undefined;
}

function isZodError(err: unknown): err is { issues: { path: PropertyKey[]; message: string }[] } {
  return err !== null && typeof err === 'object' && ['ZodError', '$ZodError'].includes(String((err as { name?: unknown }).name)) && Array.isArray((err as { issues?: unknown }).issues);
}

function invalidParams(method: string, err: { issues: { path: PropertyKey[]; message: string }[] }): McpError {
  const issue = err.issues[0];
  const where = issue ? issue.path.map(String).join('.') || '(params)' : '(params)';
  return new McpError(ErrorCode.InvalidParams, `Invalid params for ${method}: ${where}: ${issue?.message ?? 'invalid'}`);
}

/** Wraps a request handler so a schema refusal of its params answers -32602. */
function guarded(method: string, handler: Handler): Handler {
  return async (request, extra) => {
    try {
      return await handler(request, extra);
    } catch (err) {
      if (isZodError(err)) throw invalidParams(method, err);
      throw err;
    }
  };
}

export function installProtocolGuards(server: McpServer, options: ProtocolOptions): void {
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers;
  const callTool = handlers?.get('tools/call');
  const listTools = handlers?.get('tools/list');
  if (!handlers || !callTool || !listTools) throw new Error('MCP SDK internals changed: no tools handlers to wrap');

  handlers.set('tools/list', async (request, extra) => {
    const result = (await listTools(request, extra)) as { tools: Tool[] };
    return { ...result, tools: result.tools.map(advertise) };
  });

  handlers.set('tools/call', async (request, extra) => {
    const { params } = request as unknown as CallRequest;
    if (!params || typeof params.name !== 'string') throw new McpError(ErrorCode.InvalidParams, 'Invalid params for tools/call: name: a tool name is required');
    const schema = options.inputs.get(params.name);
    if (!schema) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${params.name.slice(0, 100)}. Call tools/list for the tools this server offers.`);
    if (params.arguments !== undefined && (params.arguments === null || typeof params.arguments !== 'object' || Array.isArray(params.arguments))) {
      throw new McpError(ErrorCode.InvalidParams, 'Invalid params for tools/call: arguments must be an object');
    }
    // The same boundary check as HTTP (depth, well-formed text, no NUL), for every transport.
    const problem = findInputProblem(params.arguments ?? {}, 'arguments');
    if (problem) return toToolError(inputProblemError(problem));
    const parsed = schema.safeParse(params.arguments ?? {});
    if (!parsed.success) return invalidInput(params.name, parsed.error as z.ZodError);
    const answered = options.intercept?.(params.name, parsed.data, request as unknown as CallRequest, extra);
    if (answered) return answered;
    return callTool(request, extra);
  });

  // Every handler, present and future (tasks, completion, resources register lazily).
  for (const [method, handler] of handlers) handlers.set(method, guarded(method, handler));
  const set = handlers.set.bind(handlers);
  handlers.set = (method: string, handler: Handler) => set(method, guarded(method, handler));
}
