// MCP over Streamable HTTP at /mcp. Order per request: per-IP rate limit (before anything else),
// Host/Origin check, API key (Bearer or X-API-Key), then the session's transport. Each
// `mcp-session-id` belongs to the key that opened it.
import fastifyRateLimit from '@fastify/rate-limit';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppServices } from '../application/services.ts';
import { presentedKey, type AuthContext } from '../auth/api-keys.ts';
import { AppError } from '../errors.ts';
import { sharedRateLimitStore } from '../http/rate-limit-store.ts';
import { createHostCheck } from './host-check.ts';
import { createMcpSessionRegistry, type McpSessionRegistry, type McpSessionRegistryOptions } from './http-sessions.ts';
import { createLocalClientFactory } from './local.ts';
import { serveTransport } from './node-bridge.ts';
import { countToolCalls } from '../observability/mcp-metrics.ts';
import type { ToolExtra } from './context.ts';
import { createServer } from './server.ts';

export const MCP_PATH = '/mcp';

// Per app, for tests and metrics (the plugin's encapsulated scope hides decorations).
const registries = new WeakMap<AppServices, McpSessionRegistry>();

/** The live MCP HTTP sessions of an app built by buildApp (undefined before it is ready). */
export function mcpSessionsOf(services: AppServices): McpSessionRegistry | undefined {
  return registries.get(services);
}

/** A POST body that is not JSON: answered -32700 once the request is authenticated. */
class MalformedJson {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

function jsonRpcError(reply: FastifyReply, status: number, code: number, message: string): FastifyReply {
  return reply.status(status).type('application/json').send({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** Whether a POST body holds a JSON-RPC request (method and id) other than initialize. */
function carriesCall(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => {
    if (m === null || typeof m !== 'object') return false;
    const msg = m as { method?: unknown; id?: unknown };
    return typeof msg.method === 'string' && msg.method !== 'initialize' && msg.id !== undefined && msg.id !== null;
  });
}

/** The caller of a tool call, as put on the raw request by the route below. */
export function authOf(extra: Pick<ToolExtra, 'authInfo'>): AuthContext {
  const auth = extra.authInfo?.extra?.livegate as AuthContext | undefined;
  if (!auth) throw new AppError('unauthorized', 'An API key is required.');
  return auth;
}

export async function mcpHttpPlugin(
  app: FastifyInstance,
  services: AppServices,
  options: Pick<McpSessionRegistryOptions, 'idleMs' | 'unusedMs' | 'maxSessions' | 'revalidateMs'> = {},
): Promise<void> {
  const { config } = services;
  // global: false + an explicit instance hook, so the limit runs before the host check and the
  // key lookup (the plugin's own per-route hooks would run after instance hooks, i.e. after auth).
  await app.register(fastifyRateLimit, {
    global: false,
    max: config.mcpRateLimitPerMin,
    timeWindow: 60_000,
    // Shared by every instance on one PostgreSQL (see server/http/rate-limit-store.ts).
    ...(services.store.kind === 'postgres' ? { store: sharedRateLimitStore(services.store, 'mcp'), skipOnError: true } : {}),
    errorResponseBuilder: (_request: FastifyRequest, context: { after: string; max: number }) =>
      new AppError('rate_limited', `MCP rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}.`),
  });

  const clientFor = createLocalClientFactory(services);
  const registry = createMcpSessionRegistry({
    maxSessionsPerKey: config.mcpMaxSessionsPerKey,
    maxSessionsPerTenant: config.mcpMaxSessionsPerTenant,
    // A key revoked (here or from the CLI of another process) ends its sessions and streams.
    isKeyActive: async (keyId) => {
      const row = await services.store.getApiKey(keyId);
      return row !== null && row.revoked_at === null;
    },
    ...options,
    createServer: () => createServer({ clientFor: (extra) => clientFor(authOf(extra)), logger: app.log, onToolCall: countToolCalls(services.metrics) }),
  });
  registries.set(services, registry);
  const hostCheck = createHostCheck(config);

  // Malformed JSON is the JSON-RPC parse error -32700, not the REST error body.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (err, value) => (err ? done(null, new MalformedJson(err.message)) : done(null, value)));
  });

  app.addHook('onRequest', app.rateLimit());
  app.addHook('onRequest', async (request, reply) => {
    const verdict = hostCheck({ host: request.headers.host, origin: request.headers.origin });
    if (!verdict.ok) {
      throw new AppError('host_not_allowed', `The ${verdict.what} "${verdict.value}" is not allowed for ${MCP_PATH}.`);
    }
    try {
      request.auth = await services.authenticate(presentedKey(request.headers));
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'unauthorized') throw err;
      // A JSON-RPC error body: SDK clients put the body text in the error they raise, so the
      // person reads the cause and the fix (docs/MCP.md, "A wrong API key").
      void reply.header('www-authenticate', 'Bearer realm="livegate-mcp"');
      return reply
        .status(401)
        .type('application/json')
        .send({ jsonrpc: '2.0', id: null, error: { code: -32000, message: `Unauthorized: ${err.message} Next step: ${err.hint}`, data: { code: err.code, hint: err.hint } } });
    }
    // Tool results carry verification URLs (capture tokens) and attestation JWTs.
    void reply.header('cache-control', 'no-store');
  });

  // preClose: open SSE streams would otherwise keep the HTTP server from closing.
  app.addHook('preClose', async () => registry.closeAll());

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.body instanceof MalformedJson) return jsonRpcError(reply, 400, -32700, `Parse error: ${request.body.message}`);
    const auth = request.auth;
    const header = request.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' ? header : undefined;
    let session;
    if (sessionId) {
      session = registry.get(sessionId);
      // Another key's session is indistinguishable from a missing one.
      if (!session || session.keyId !== auth.keyId) return jsonRpcError(reply, 404, -32001, 'Session not found; initialize a new session.');
    } else if (request.method === 'POST' && isInitializeRequest(request.body)) {
      const cap = registry.capReached(auth);
      if (cap === 'process') {
        throw new AppError('service_unavailable', 'Too many open MCP sessions.', { hint: 'Close unused sessions (DELETE /mcp) or retry later.' });
      }
      if (cap !== null) {
        const max = cap === 'key' ? registry.limits.maxPerKey : registry.limits.maxPerTenant;
        throw new AppError('too_many_mcp_sessions', `This ${cap === 'key' ? 'API key' : 'tenant'} already holds ${max} open MCP sessions.`, {
          details: { per: cap, max },
        });
      }
      session = await registry.open(auth);
    } else {
      return jsonRpcError(reply, 400, -32000, 'Bad request: send an initialize request first, then the mcp-session-id header it returns.');
    }

    const authInfo: AuthInfo = { token: auth.keyId, clientId: auth.keyId, scopes: [...auth.scopes], extra: { livegate: auth } };
    // Headers set by earlier hooks (rate-limit counters) would be lost once the reply is hijacked.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value as string);
    reply.hijack();
    if (sessionId && request.method === 'POST' && carriesCall(request.body)) registry.markUsed(session);
    session.active += 1;
    registry.touch(session);
    try {
      await serveTransport(session.transport, request.raw, reply.raw, {
        url: `${request.protocol}://${request.host}${request.url}`,
        parsedBody: request.body,
        authInfo,
      });
    } catch (err) {
      // Hijacked: Fastify's error handler can no longer answer, so answer here (never the details).
      request.log.error({ err }, 'MCP transport failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }));
      } else if (!reply.raw.writableEnded) {
        reply.raw.end();
      }
    } finally {
      session.active -= 1;
      registry.touch(session);
      await registry.settle(session);
    }
  };

  app.route({ method: ['GET', 'POST', 'DELETE'], url: MCP_PATH, handler });
  app.route({
    method: ['PUT', 'PATCH'],
    url: MCP_PATH,
    handler: async () => {
      throw new AppError('method_not_allowed', `${MCP_PATH} accepts GET, POST and DELETE.`);
    },
  });
}
