// Tool results: structuredContent plus a text copy; expected failures as isError results with a
// stable code and a hint, never a stack trace.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { AppError, ERROR_TABLE } from '../errors.ts';
import { StoreError } from '../store/types.ts';

/** Where the machine-readable error of a failed tool call lives (`result._meta[ERROR_META_KEY]`). */
export const ERROR_META_KEY = 'livegate/error';

export type ToolErrorCode = keyof typeof ERROR_TABLE;

export interface ToolErrorInfo {
  code: ToolErrorCode;
  message: string;
  hint: string;
  details?: Record<string, unknown>;
}

/**
 * The error rides in `_meta`, not `structuredContent`: clients validate structuredContent
 * against the tool's output schema even on errors (SDK 1.x Client.callTool does).
 */
export function toolError(info: ToolErrorInfo): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `Error (${info.code}): ${info.message}\nNext step: ${info.hint}` }],
    _meta: { [ERROR_META_KEY]: { ...info } },
  };
}

export function mcpError(code: ToolErrorCode, message: string): CallToolResult {
  return toolError({ code, message, hint: ERROR_TABLE[code].hint });
}

export interface ErrorLogger {
  error(obj: unknown, msg?: string): void;
}

/** Maps anything thrown by a tool to a tool error; unexpected errors are logged, not shown. */
export function toToolError(err: unknown, logger?: ErrorLogger): CallToolResult {
  if (err instanceof AppError) {
    return toolError({ code: err.code, message: err.message, hint: err.hint, ...(err.details ? { details: err.details } : {}) });
  }
  if (err instanceof StoreError && err.code === 'unavailable') {
    return toolError({ code: 'service_unavailable', message: 'The database is unavailable right now.', hint: 'Call the tool again in a few seconds; the server reconnects by itself.' });
  }
  logger?.error({ err }, 'MCP tool failed');
  return toolError({ code: 'internal_error', message: 'Something went wrong on our side.', hint: ERROR_TABLE.internal_error.hint });
}

/** "Invalid input" of a union of literals (e.g. frame_count) says which values are allowed. */
function allowedValues(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'invalid_union') return undefined;
  const values = issue.errors.flat().flatMap((e) => (e.code === 'invalid_value' ? e.values : []));
  return values.length ? `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}` : undefined;
}

export function invalidInput(tool: string, error: z.ZodError): CallToolResult {
  const issues = error.issues.map((i) => ({ path: i.path.join('.') || '(arguments)', message: allowedValues(i) ?? i.message }));
  const first = issues[0];
  return toolError({
    code: 'invalid_request',
    message: `Invalid arguments for ${tool}: ${first ? `${first.path}: ${first.message}` : 'see details'}.`,
    hint: 'Fix the named argument (see the tool input schema) and call again.',
    details: { issues },
  });
}

/**
 * A successful result: the structured value and its JSON text copy, after an optional summary
 * line. Compact JSON: the copy is for models, and indentation only costs tokens.
 */
export function ok<T extends Record<string, unknown>>(structured: T, summary?: string): CallToolResult & { structuredContent: T } {
  const json = JSON.stringify(structured);
  return { content: [{ type: 'text', text: summary ? `${summary}\n\n${json}` : json }], structuredContent: structured };
}

export { sessionEndedText } from './guidance.ts';
