// What every answer of the server must look like, whatever was sent: never a 5xx, and every
// error in the project's one error shape (the MCP endpoint may also answer JSON-RPC errors).
import { ERROR_TABLE, type ErrorCode } from '../../../server/errors.ts';

export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** Why an answer breaks the contract, or null when it keeps it. */
export function contractBreach(answer: Answer, opts: { mcp?: boolean } = {}): string | null {
  const { statusCode, body } = answer;
  if (statusCode >= 500) return `${statusCode}: ${body.slice(0, 300)}`;
  if (statusCode < 400) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `${statusCode} with a body that is not JSON: ${body.slice(0, 200)}`;
  }
  if (isErrorBody(parsed, statusCode)) return null;
  if (opts.mcp && isJsonRpcError(parsed)) return null;
  return `${statusCode} without the error shape: ${body.slice(0, 300)}`;
}

export function isErrorBody(value: unknown, status?: number): boolean {
  const error = (value as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error !== 'object') return false;
  const { code, message, hint } = error;
  if (typeof code !== 'string' || !(code in ERROR_TABLE)) return false;
  if (typeof message !== 'string' || message.length === 0 || typeof hint !== 'string' || hint.length === 0) return false;
  return status === undefined || ERROR_TABLE[code as ErrorCode].status === status;
}

function isJsonRpcError(value: unknown): boolean {
  const v = value as { jsonrpc?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  return v?.jsonrpc === '2.0' && typeof v.error?.code === 'number' && typeof v.error.message === 'string';
}

/** A request that never answers is a failure too: give up after `ms`. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
