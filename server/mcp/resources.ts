// Resources: reference data (risk levels, policy defaults, checks) and one resource per session,
// `livegate://sessions/{session_id}`, whose subscribers get notifications/resources/updated on
// every status change.
import { McpError, ErrorCode, SubscribeRequestSchema, UnsubscribeRequestSchema, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AppError } from '../errors.ts';
import { CHECK_DESCRIPTIONS, CHECK_MODELS } from '../policies/checks.ts';
import { CHECKS, defaultPolicy, DEFAULT_THRESHOLDS, RISK_LEVELS } from '../policies/defaults.ts';
import type { ClientFor } from './server.ts';

export const SESSION_URI_PREFIX = 'livegate://sessions/';
/** JSON-RPC code the MCP spec gives "resource not found". */
export const RESOURCE_NOT_FOUND = -32002;

const json = (uri: string, value: unknown): ReadResourceResult => ({
  contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }],
});

/** Protocol error for resource reads and subscriptions, carrying the stable code and hint. */
function protocolError(err: unknown): McpError {
  if (err instanceof McpError) return err;
  if (err instanceof AppError) {
    const code = err.code === 'session_not_found' ? RESOURCE_NOT_FOUND : ErrorCode.InvalidRequest;
    return new McpError(code, `${err.code}: ${err.message}`, { code: err.code, hint: err.hint });
  }
  return new McpError(ErrorCode.InternalError, 'Something went wrong on our side.');
}

export function sessionIdOf(uri: string): string | null {
  if (!uri.startsWith(SESSION_URI_PREFIX)) return null;
  let id: string;
  try {
    id = decodeURIComponent(uri.slice(SESSION_URI_PREFIX.length));
  } catch {
    // A malformed %-escape is a bad parameter, not a server fault.
    throw new McpError(ErrorCode.InvalidParams, `The resource URI has a malformed percent-escape: ${uri.slice(0, 200)}`);
  }
  return id && !id.includes('/') ? id : null;
}

/** Registers the resources; returns a close() that drops every subscription. */
export function registerResources(server: McpServer, clientFor: ClientFor): { close(): void } {
  server.registerResource(
    'risk-levels',
    'livegate://reference/risk-levels',
    { title: 'Risk levels', description: 'What each risk level requires (checks, CNN frames).', mimeType: 'application/json' },
    async (uri) => json(uri.href, RISK_LEVELS),
  );
  server.registerResource(
    'policy-defaults',
    'livegate://reference/policy-defaults',
    { title: 'Policy defaults', description: 'The default policy of each risk level, thresholds included.', mimeType: 'application/json' },
    async (uri) => json(uri.href, { standard: defaultPolicy('standard'), high: defaultPolicy('high'), thresholds: DEFAULT_THRESHOLDS }),
  );
  server.registerResource(
    'checks',
    'livegate://reference/checks',
    { title: 'Liveness checks', description: 'The checks a policy can require, the models each reads, and whether each is available here.', mimeType: 'application/json' },
    async (uri, extra) => {
      try {
        return json(uri.href, { checks: await clientFor(extra).listChecks() });
      } catch (err) {
        // Without session:read the reference list is still useful; availability is then unknown.
        if (err instanceof AppError && err.code === 'insufficient_scope') {
          return json(uri.href, { checks: CHECKS.map((name) => ({ name, description: CHECK_DESCRIPTIONS[name], models: CHECK_MODELS[name] })) });
        }
        throw protocolError(err);
      }
    },
  );
  server.registerResource(
    'session',
    new ResourceTemplate(`${SESSION_URI_PREFIX}{session_id}`, { list: undefined }),
    {
      title: 'Verification session',
      description: 'Status of one verification session (scope session:read). Subscribe to be told of every status change.',
      mimeType: 'application/json',
    },
    async (uri, variables, extra) => {
      try {
        return json(uri.href, await clientFor(extra).getStatus(String(variables.session_id)));
      } catch (err) {
        throw protocolError(err);
      }
    },
  );

  // McpServer does not handle subscriptions itself: declare them and answer subscribe/unsubscribe.
  const subscriptions = new Map<string, () => void>();
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
    const uri = request.params.uri;
    const id = sessionIdOf(uri);
    if (!id) throw new McpError(RESOURCE_NOT_FOUND, `Only ${SESSION_URI_PREFIX}{session_id} resources can be subscribed to.`);
    if (subscriptions.has(uri)) return {};
    try {
      const stop = await clientFor(extra).watchSession(id, () => {
        server.server.sendResourceUpdated({ uri }).catch(() => undefined); // a closed transport drops it
      });
      subscriptions.set(uri, stop);
    } catch (err) {
      throw protocolError(err);
    }
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscriptions.get(request.params.uri)?.();
    subscriptions.delete(request.params.uri);
    return {};
  });

  return {
    close() {
      for (const stop of subscriptions.values()) stop();
      subscriptions.clear();
    },
  };
}
