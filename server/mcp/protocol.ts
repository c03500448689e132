// Params a request's schema refuses are -32602 Invalid params, for every method and transport.
// The SDK parses a request's params by throwing its zod error, which would go out as -32603
// Internal error; so every request is checked against the SDK's own schema of its method as it
// arrives from the transport, and refused there with -32602 naming the field.
// (Tool arguments are checked by the tool registry, tool-registry.ts.)
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ClientRequestSchema, ErrorCode, isJSONRPCRequest, McpError, type JSONRPCMessage, type JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';

const REQUEST_SCHEMAS = new Map<string, z.ZodType>(ClientRequestSchema.options.map((schema) => [schema.shape.method.value, schema as z.ZodType]));

/** The -32602 message of a refused request (tools/call keeps its two plain-spoken cases). */
export function invalidParamsMessage(method: string, issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  const path = issue ? issue.path.map(String) : [];
  if (method === 'tools/call' && path[0] === 'params' && path[1] === 'name') return 'Invalid params for tools/call: name: a tool name is required';
  if (method === 'tools/call' && path[0] === 'params' && path[1] === 'arguments') return 'Invalid params for tools/call: arguments must be an object';
  const where = path.join('.') || '(params)';
  return `Invalid params for ${method}: ${where}: ${issue?.message ?? 'invalid'}`;
}

/** Why a request would be refused by its method's schema; null when it parses (or the method is not MCP's). */
export function refusalOf(request: JSONRPCRequest): string | null {
  const schema = REQUEST_SCHEMAS.get(request.method);
  if (!schema) return null;
  const parsed = schema.safeParse(request);
  return parsed.success ? null : invalidParamsMessage(request.method, parsed.error.issues);
}

export interface ParamsGuardOptions {
  /** Told of each refused request (metrics count refused tool calls). */
  onRefused?(method: string): void;
}

/**
 * A transport that answers requests its method's schema refuses with -32602 and hands every
 * other message on. Callbacks set on the wrapped transport before connecting are kept.
 */
export class ParamsGuardTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];

  private readonly inner: Transport;

  constructor(inner: Transport, options: ParamsGuardOptions) {
    this.inner = inner;
    this.onclose = inner.onclose;
    this.onerror = inner.onerror;
    this.onmessage = inner.onmessage;
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
    inner.onmessage = (message, extra) => {
      if (isJSONRPCRequest(message)) {
        const refusal = refusalOf(message);
        if (refusal) {
          options.onRefused?.(message.method);
          // The message as the SDK sends any McpError a handler throws (its "MCP error -32602: " prefix included).
          const error = new McpError(ErrorCode.InvalidParams, refusal);
          const answer: JSONRPCMessage = { jsonrpc: '2.0', id: message.id, error: { code: error.code, message: error.message } };
          // After this turn, as the SDK answers its own errors.
          void Promise.resolve()
            .then(() => inner.send(answer, { relatedRequestId: message.id }))
            .catch((err: unknown) => this.onerror?.(err as Error));
          return;
        }
      }
      this.onmessage?.(message, extra);
    };
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion = (version: string): void => this.inner.setProtocolVersion?.(version);

  start(): Promise<void> {
    return this.inner.start();
  }

  send(...args: Parameters<Transport['send']>): Promise<void> {
    return this.inner.send(...args);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** An McpServer whose every connection goes through ParamsGuardTransport. */
export class GuardedMcpServer extends McpServer {
  private readonly guard: ParamsGuardOptions;

  constructor(info: ConstructorParameters<typeof McpServer>[0], options: ConstructorParameters<typeof McpServer>[1], guard: ParamsGuardOptions) {
    super(info, options);
    this.guard = guard;
  }

  override connect(transport: Transport): Promise<void> {
    return super.connect(new ParamsGuardTransport(transport, this.guard));
  }
}
