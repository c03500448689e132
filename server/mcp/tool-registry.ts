// The tools of one McpServer, served through the SDK's public request handlers (tools/list and
// tools/call on server.server): the list advertises the compact schemas of catalog.ts; a call
// names a registered tool (else -32602), its arguments pass the boundary input check and the
// tool's zod schema (else a tool error with code invalid_request the model can fix), and a
// task-augmented call runs the tool's createTask. Every call is reported to onToolCall.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestTaskStore } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolRequest,
  type CallToolResult,
  type CreateTaskResult,
  type Tool,
  type ToolAnnotations,
  type ToolExecution,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { findInputProblem, inputProblemError } from '../input-guard.ts';
import { advertise } from './catalog.ts';
import type { ToolExtra } from './context.ts';
import { invalidInput, toToolError, type ErrorLogger } from './results.ts';

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  title: string;
  description: string;
  input: I;
  output: O;
  /** As sent (the title included); tools/list compacts them. */
  annotations: ToolAnnotations;
  execution?: ToolExecution;
  /** A plain call; expected failures come back as tool errors, never thrown. */
  run(args: z.infer<I>, extra: ToolExtra): Promise<CallToolResult>;
  /** A task-augmented call (execution.taskSupport optional or required). */
  createTask?(args: z.infer<I>, extra: ToolExtra & { taskStore: RequestTaskStore }): Promise<CreateTaskResult>;
}

/** How a tool call ended: its result, or the protocol error it was answered with. */
export type ToolCallOutcome = { result: CallToolResult | CreateTaskResult } | { error: unknown };

export interface ToolRegistryOptions {
  logger?: ErrorLogger;
  /** Every tools/call: the tool ("unknown" for a name not registered) and how it ended. */
  onToolCall?(tool: string, outcome: ToolCallOutcome): void;
}

export interface ToolRegistry {
  add<I extends z.ZodObject, O extends z.ZodObject>(name: string, tool: ToolDefinition<I, O>): void;
}

/** The tools/list entry the SDK's McpServer would have produced for this tool. */
function definitionOf(name: string, tool: ToolDefinition): Tool {
  return {
    name,
    title: tool.title,
    description: tool.description,
    inputSchema: z.toJSONSchema(tool.input, { target: 'draft-7', io: 'input' }) as Tool['inputSchema'],
    annotations: tool.annotations,
    execution: tool.execution ?? { taskSupport: 'forbidden' },
    outputSchema: z.toJSONSchema(tool.output, { target: 'draft-7', io: 'output' }) as Tool['outputSchema'],
  };
}

/** A successful result must carry structured content of the tool's output schema (as the SDK checks). */
function checkOutput(name: string, tool: ToolDefinition, result: CallToolResult): CallToolResult {
  if (result.isError) return result;
  const problem = !result.structuredContent
    ? `Output validation error: Tool ${name} has an output schema but no structured content was provided`
    : (() => {
        const parsed = tool.output.safeParse(result.structuredContent);
        return parsed.success ? null : `Output validation error: Invalid structured content for tool ${name}: ${parsed.error.message}`;
      })();
  return problem ? { content: [{ type: 'text', text: problem }], isError: true } : result;
}

export function createToolRegistry(server: McpServer, options: ToolRegistryOptions = {}): ToolRegistry {
  const tools = new Map<string, ToolDefinition>();
  let advertised: Tool[] | undefined;

  async function call(request: CallToolRequest, extra: ToolExtra): Promise<CallToolResult | CreateTaskResult> {
    const { name } = request.params;
    const tool = tools.get(name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name.slice(0, 100)}. Call tools/list for the tools this server offers.`);
    const args = request.params.arguments ?? {};
    // The same boundary check as HTTP (depth, well-formed text, no NUL), for every transport.
    const problem = findInputProblem(args, 'arguments');
    if (problem) return toToolError(inputProblemError(problem));
    const parsed = tool.input.safeParse(args);
    if (!parsed.success) return invalidInput(name, parsed.error);
    if (request.params.task) {
      if (!tool.createTask) throw new McpError(ErrorCode.InvalidParams, `Tool ${name} does not run as a task; call it without task.`);
      if (!extra.taskStore) throw new McpError(ErrorCode.InternalError, 'No task store on this server.');
      return tool.createTask(parsed.data, { ...extra, taskStore: extra.taskStore });
    }
    if (tool.execution?.taskSupport === 'required') throw new McpError(ErrorCode.MethodNotFound, `Tool ${name} requires task augmentation (taskSupport: 'required')`);
    try {
      return checkOutput(name, tool, await tool.run(parsed.data, extra));
    } catch (err) {
      if (err instanceof McpError && err.code === ErrorCode.UrlElicitationRequired) throw err;
      return toToolError(err, options.logger);
    }
  }

  server.server.registerCapabilities({ tools: { listChanged: true } });
  server.server.setRequestHandler(ListToolsRequestSchema, () => {
    advertised ??= [...tools].map(([name, tool]) => advertise(definitionOf(name, tool)));
    return { tools: advertised };
  });
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    // Only registered names become labels: a caller cannot grow the series with made-up tools.
    const label = tools.has(request.params.name) ? request.params.name : 'unknown';
    try {
      const result = await call(request, extra);
      options.onToolCall?.(label, { result });
      return result;
    } catch (error) {
      options.onToolCall?.(label, { error });
      throw error;
    }
  });

  return {
    add(name, tool) {
      if (tools.has(name)) throw new Error(`Tool ${name} is already registered`);
      tools.set(name, tool as unknown as ToolDefinition);
      advertised = undefined;
    },
  };
}
