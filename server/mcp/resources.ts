// Resources: reference data (risk levels, policy defaults, checks) and one resource per session,
// `livegate://sessions/{session_id}`, whose subscribers get notifications/resources/updated on
// every status change.
import {
  CompleteRequestSchema,
  ErrorCode,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CompleteResult,
  type ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AppError } from '../errors.ts';
import { CHECK_DESCRIPTIONS, CHECK_MODELS } from '../policies/checks.ts';
import { CHECKS, defaultPolicy, DEFAULT_THRESHOLDS, PolicyOverridesSchema, RISK_LEVELS } from '../policies/defaults.ts';
import { POLICY_OVERRIDES_URI } from './catalog.ts';
import type { ClientFor } from './context.ts';

export const SESSION_URI_PREFIX = 'livegate://sessions/';
export const POLICY_URI_PREFIX = 'livegate://policies/';
export const SESSION_TEMPLATE = `${SESSION_URI_PREFIX}{session_id}`;
export const POLICY_TEMPLATE = `${POLICY_URI_PREFIX}{policy_id}`;
const MAX_COMPLETIONS = 100;

/** What each policy field means, once, for every tool that takes or returns a policy. */
export const POLICY_OVERRIDES_GUIDE = {
  about:
    'A policy is a set of overrides merged over the defaults of its risk level. verify_human_presence takes a stored policy_id ' +
    'or these overrides as `policy`; create_policy and update_policy take them as fields. Any field may only tighten the ' +
    "risk level's defaults and the tenant floor (more checks, higher thresholds, longer captures, more frames); a weaker " +
    'value is the error policy_below_floor (details.field, details.floor, details.given). Choose high for wire transfers, ' +
    'contract signing and access-control changes; standard for routine approvals.',
  schema: z.toJSONSchema(PolicyOverridesSchema, { unrepresentable: 'any' }),
  defaults: { standard: defaultPolicy('standard'), high: defaultPolicy('high') },
};
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
export function registerResources(server: McpServer, clientFor: ClientFor, recentSessionIds: () => readonly string[] = () => []): { close(): void } {
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
    'policy-overrides',
    POLICY_OVERRIDES_URI,
    { title: 'Policy overrides', description: 'Every policy field, its range and meaning, and the floor rule.', mimeType: 'application/json' },
    async (uri) => json(uri.href, POLICY_OVERRIDES_GUIDE),
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
    new ResourceTemplate(SESSION_TEMPLATE, { list: undefined }),
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

  server.registerResource(
    'policy',
    new ResourceTemplate(POLICY_TEMPLATE, { list: undefined }),
    { title: 'Verification policy', description: 'One stored policy (scope session:read).', mimeType: 'application/json' },
    async (uri, variables, extra) => {
      try {
        return json(uri.href, await clientFor(extra).getPolicy(String(variables.policy_id)));
      } catch (err) {
        throw protocolError(err);
      }
    },
  );

  // A prompt a person can pick in their client to have the agent gate an action on a live check.
  server.registerPrompt(
    'verify_before_action',
    {
      title: 'Verify before an action',
      description: 'Asks the agent to get a live approval from you before it runs one action.',
      argsSchema: { action: z.string().min(1).max(2000).describe('The action to approve, e.g. "pay invoice 42"') },
    },
    ({ action }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Before you ${action}, call verify_human_presence with action_description "${action}" (risk_level high for payments, ` +
              'contracts or access changes), show me the link, then wait_for_verification. Only if it ends live, call ' +
              'get_verification_result and verify_attestation, and act only on PROCEED; otherwise do not act and tell me why.',
          },
        },
      ],
    }),
  );

  // completion/complete: session ids this connection opened, and the tenant's policy ids.
  server.server.registerCapabilities({ completions: {} });
  server.server.setRequestHandler(CompleteRequestSchema, async (request, extra): Promise<CompleteResult> => {
    const { ref, argument } = request.params;
    const prefix = argument.value ?? '';
    let values: string[] = [];
    if (ref.type === 'ref/resource' && ref.uri === SESSION_TEMPLATE && argument.name === 'session_id') {
      values = [...recentSessionIds()].reverse();
    } else if (ref.type === 'ref/resource' && ref.uri === POLICY_TEMPLATE && argument.name === 'policy_id') {
      // Without session:read there is nothing to offer; completion never fails for that.
      values = await clientFor(extra)
        .listPolicies()
        .then((list) => list.map((p) => p.policy_id), () => []);
    }
    // Anything else (no prompts here, fixed URIs, other arguments) has no suggestions: an empty
    // list, as the spec's minimal completion support allows, rather than an error.
    const matching = values.filter((v) => v.startsWith(prefix));
    return { completion: { values: matching.slice(0, MAX_COMPLETIONS), total: matching.length, hasMore: matching.length > MAX_COMPLETIONS } };
  });

  // McpServer does not handle subscriptions itself: declare them and answer subscribe/unsubscribe.
  const subscriptions = new Map<string, () => void>();
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
    const uri = request.params.uri;
    if (subscriptions.has(uri)) return {};
    // Only sessions change. Any other URI (the reference resources, a policy) may be subscribed
    // to and is tracked, but no update is ever sent for it.
    const id = sessionIdOf(uri);
    if (!id) {
      subscriptions.set(uri, () => undefined);
      return {};
    }
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
