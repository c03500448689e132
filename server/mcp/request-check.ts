// Requests the SDK would reject with -32603 (Internal error): its request handlers parse params
// by throwing, and a thrown parse error becomes an internal error. Checked here first against
// the SDK's own request schemas, so bad params get -32602 (Invalid params) as JSON-RPC says.
import { ClientRequestSchema, ErrorCode } from '@modelcontextprotocol/sdk/types.js';

type RequestSchema = (typeof ClientRequestSchema.options)[number];

const BY_METHOD = new Map<string, RequestSchema>(ClientRequestSchema.options.map((s) => [s.shape.method.value as string, s]));

export interface JsonRpcErrorAnswer {
  jsonrpc: '2.0';
  id: string | number;
  error: { code: number; message: string };
}

/** The -32602 answer for a single request with params its method's schema refuses; else null. */
export function invalidParamsAnswer(body: unknown): JsonRpcErrorAnswer | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const { method, id } = body as { method?: unknown; id?: unknown };
  if (typeof method !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) return null;
  const schema = BY_METHOD.get(method);
  if (!schema) return null;
  const parsed = schema.safeParse(body);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  const where = issue ? issue.path.join('.') || '(request)' : '(request)';
  return { jsonrpc: '2.0', id, error: { code: ErrorCode.InvalidParams, message: `Invalid params for ${method}: ${where}: ${issue?.message ?? 'invalid'}` } };
}
