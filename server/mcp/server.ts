// createServer(): one McpServer over a LivegateClient, side-effect free (no listening, no timers
// until a transport connects). Every transport (stdio, Streamable HTTP, in-memory in tests)
// connects one of these; the tools never call the REST API of their own process.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { TERMINAL_STATUSES } from '../store/types.ts';
import { VERSION } from '../version.ts';
import { decideAttestation } from './attestation-tool.ts';
import type { LivegateClient } from './client.ts';
import { elicitPolicy, supportsFormElicitation } from './policy-elicitation.ts';
import { registerResources } from './resources.ts';
import { findInputProblem, inputProblemError } from '../input-guard.ts';
import { invalidInput, mcpError, ok, sessionEndedText, toolError, toToolError, type ErrorLogger } from './results.ts';
import { DEFAULT_WAIT_S, GREETINGS, input, output } from './schemas.ts';
import { registerVerifyTool } from './verify-tool.ts';
import type { z } from 'zod';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;
/** Resolves the caller of one request to its client (throws AppError('unauthorized') when none). */
export type ClientFor = (extra: ToolExtra) => LivegateClient;

export interface CreateServerDeps {
  clientFor: ClientFor;
  logger?: ErrorLogger;
  /** Milliseconds a finished task's result stays retrievable (default 1 hour). */
  taskTtlMs?: number;
}

export const SERVER_NAME = 'livegate';
export const INSTRUCTIONS =
  'Livegate checks that a live person approves an action. Before a consequential action call ' +
  'verify_human_presence with a description of it, show the returned verification_url to the person, ' +
  'then call wait_for_verification (repeat while timed_out) and get_verification_result once completed. ' +
  'Proceed only when verify_attestation answers PROCEED (proceed: true): a completed session can carry verdict spoof.';

interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  run(args: z.infer<I>, extra: ToolExtra): Promise<CallToolResult>;
}

const READ: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export function createServer(deps: CreateServerDeps): McpServer {
  const { clientFor, logger } = deps;
  const taskStore = new InMemoryTaskStore();
  const server = new McpServer(
    { name: SERVER_NAME, title: 'Livegate', version: VERSION },
    {
      instructions: INSTRUCTIONS,
      capabilities: { logging: {}, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
      taskStore,
    },
  );
  // Ends waits and task watchers when the connection closes.
  const closing = new AbortController();
  const inputs = new Map<string, z.ZodType>();

  function tool<I extends z.ZodObject, O extends z.ZodObject>(name: string, spec: ToolSpec<I, O>): void {
    inputs.set(name, spec.input);
    server.registerTool(
      name,
      { title: spec.title, description: spec.description, inputSchema: spec.input, outputSchema: spec.output, annotations: { title: spec.title, ...spec.annotations } },
      (async (args: unknown, extra: ToolExtra) => {
        try {
          return await spec.run(args as z.infer<I>, extra);
        } catch (err) {
          return toToolError(err, logger);
        }
      }) as never, // the generic I leaves the SDK's conditional callback type unresolved
    );
  }

  tool('health-check', {
    title: 'Health check',
    description: 'Whether the Livegate server is up: status, uptime, time and version.',
    input: input.health,
    output: output.health,
    annotations: READ,
    run: async (_args, extra) => {
      const health = await clientFor(extra).health();
      return ok({ ...health }, `Livegate ${health.version} is up (${health.uptime}).`);
    },
  });

  tool('greet', {
    title: 'Greet',
    description: 'Greets someone by name in English, Spanish, French, German or Portuguese (a demo tool).',
    input: input.greet,
    output: output.greet,
    annotations: READ,
    run: async ({ name, language = 'en' }) => {
      const greeting = GREETINGS[language](name);
      return { content: [{ type: 'text', text: greeting }], structuredContent: { greeting, language } };
    },
  });

  const verify = registerVerifyTool(server, { clientFor, logger, taskStore, closing: closing.signal, taskTtlMs: deps.taskTtlMs });
  inputs.set('verify_human_presence', input.verify);

  tool('check_verification_status', {
    title: 'Check verification status',
    description: 'Current status of a verification session: pending, in_progress, completed (with verdict live or spoof), failed, expired or cancelled.',
    input: input.sessionOnly,
    output: output.status,
    annotations: READ,
    run: async ({ session_id }, extra) => {
      const status = await clientFor(extra).getStatus(session_id);
      const verdict = status.verdict ? ` (verdict: ${status.verdict}${status.verdict === 'live' ? '' : ' — do not proceed'})` : '';
      return ok(status, `Session ${session_id} is ${status.status}${verdict}.`);
    },
  });

  tool('get_verification_result', {
    title: 'Get verification result',
    description: 'The signed attestation of a completed session (JWT in `signature`), its claims and the audit trail. Fails with session_not_completed before the session is completed.',
    input: input.sessionOnly,
    output: output.result,
    annotations: READ,
    run: async ({ session_id }, extra) => {
      const result = await clientFor(extra).getResult(session_id);
      const a = result.attestation;
      const advice = a.verdict === 'live' ? 'check it with verify_attestation before proceeding' : 'do not proceed';
      return ok(result, `Verdict ${a.verdict} (score ${a.score}, risk ${a.risk_level}, checks ${(a.required_checks ?? []).join(', ') || 'unlisted'}, light challenge ${a.light_challenge ? 'ran' : 'not run'}) for "${a.action_description}" — ${advice}.`);
    },
  });

  tool('revoke_session', {
    title: 'Revoke session',
    description: 'Cancels a pending or in-progress verification session; its link stops working. Fails with session_terminal once it has ended.',
    input: input.revoke,
    output: output.revoke,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    run: async ({ session_id, reason }, extra) => {
      const cancelled = await clientFor(extra).cancel(session_id, reason);
      return ok(cancelled, `Session ${session_id} is cancelled.`);
    },
  });

  tool('wait_for_verification', {
    title: 'Wait for verification',
    description:
      `Waits until the session ends (completed, failed, expired, cancelled) or timeout_s passes (default ${DEFAULT_WAIT_S}, at most 55). ` +
      'Sends a progress notification on every status change when the request carries a progressToken. If timed_out is true, call again.',
    input: input.wait,
    output: output.wait,
    annotations: READ,
    run: async ({ session_id, timeout_s = DEFAULT_WAIT_S }, extra) => {
      const client = clientFor(extra);
      const progressToken = extra._meta?.progressToken;
      let progress = 0;
      const onChange =
        progressToken === undefined
          ? undefined
          : async (status: { status: string; verdict?: string }) => {
              progress += 1;
              await extra.sendNotification({
                method: 'notifications/progress',
                params: { progressToken, progress, message: `Session is ${status.status}${status.verdict ? ` (${status.verdict})` : ''}` },
              });
            };
      const signal = AbortSignal.any([extra.signal, closing.signal]);
      const outcome = await client.waitForTerminal(session_id, timeout_s * 1000, onChange, signal);
      // Derived from the status: the service can report timed_out false for a wait that ended
      // while the session was still active (its expiry timer fires at the wait's deadline).
      const value = { ...outcome.status, timed_out: !TERMINAL_STATUSES.includes(outcome.status.status) };
      return ok(value, value.timed_out ? `Still ${value.status}; call wait_for_verification again to keep waiting.` : sessionEndedText(value));
    },
  });

  tool('verify_attestation', {
    title: 'Verify attestation',
    description:
      "Decides whether to proceed on an attestation JWT: checks it against this server's public keys (signature ES256, expiry, and " +
      'optionally the action (action_description [+ action_details], or action_sha256), audience, nonce, required checks and risk ' +
      'level), requires verdict live, and asks the issuing server whether it was revoked. Starts with PROCEED or DO NOT PROCEED; gate on `proceed`.',
    input: input.verifyAttestation,
    output: output.verifyAttestation,
    annotations: READ,
    run: async (args, extra) => {
      const value = await decideAttestation(clientFor(extra), args);
      return ok(value, value.decision);
    },
  });

  tool('list_policies', {
    title: 'List policies',
    description: 'Verification policies of this tenant (risk level, frames, required checks, thresholds, attempts, timeout, redirects).',
    input: input.none,
    output: output.policies,
    annotations: READ,
    run: async (_args, extra) => {
      const policies = await clientFor(extra).listPolicies();
      return ok({ policies }, `${policies.length} polic${policies.length === 1 ? 'y' : 'ies'}.`);
    },
  });

  tool('get_policy', {
    title: 'Get policy',
    description: 'One verification policy by id.',
    input: input.getPolicy,
    output: output.policy,
    annotations: READ,
    run: async ({ policy_id }, extra) => ok(await clientFor(extra).getPolicy(policy_id)),
  });

  tool('create_policy', {
    title: 'Create policy',
    description:
      'Creates a named verification policy; pass its policy_id as `policy` to verify_human_presence. Fields left out take the defaults ' +
      'of the risk level; a client with form elicitation is asked whether to override them.',
    input: input.createPolicy,
    output: output.createdPolicy,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: async ({ name, ...given }, extra) => {
      const client = clientFor(extra);
      // Check the scope before asking the person anything.
      const me = await client.whoami();
      if (!me.scopes.includes('policy:write')) {
        return toolError({ code: 'insufficient_scope', message: 'This API key lacks the "policy:write" scope.', hint: 'Use an API key that has the named scope (livegate keys create --scopes ...).', details: { required_scope: 'policy:write' } });
      }
      const ask = supportsFormElicitation(server.server)
        ? (params: Parameters<typeof server.server.elicitInput>[0]) => server.server.elicitInput(params, { relatedRequestId: extra.requestId, signal: extra.signal })
        : null;
      const outcome = await elicitPolicy(given, name, ask);
      if (outcome.kind === 'cancelled') return mcpError('elicitation_cancelled', `Creating policy "${name}" was cancelled; nothing was saved.`);
      const policy = await client.createPolicy({ name, config: outcome.overrides });
      return ok({ ...policy, elicitation: outcome.kind }, `Created policy ${policy.policy_id} ("${policy.name}").`);
    },
  });

  tool('update_policy', {
    title: 'Update policy',
    description: 'Changes fields of a policy (merged over the stored one). Sessions created earlier keep the policy they were created with.',
    input: input.updatePolicy,
    output: output.policy,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    run: async ({ policy_id, name, ...config }, extra) => {
      const policy = await clientFor(extra).updatePolicy(policy_id, { ...(name ? { name } : {}), config });
      return ok(policy, `Updated policy ${policy.policy_id}.`);
    },
  });

  tool('list_checks', {
    title: 'List checks',
    description: 'The liveness checks this deployment offers (pulse, cnn, light_challenge, motion) and whether each is available; a missing model makes its check unavailable.',
    input: input.none,
    output: output.checks,
    annotations: READ,
    run: async (_args, extra) => {
      const checks = await clientFor(extra).listChecks();
      const off = checks.filter((c) => !c.available);
      return ok({ checks }, off.length ? `Unavailable: ${off.map((c) => `${c.name} (${c.reason})`).join('; ')}` : 'All checks are available.');
    },
  });

  tool('whoami', {
    title: 'Who am I',
    description: 'The tenant and scopes of the API key in use, the server version and its public URL.',
    input: input.none,
    output: output.whoami,
    annotations: READ,
    run: async (_args, extra) => {
      const me = await clientFor(extra).whoami();
      return ok(me, `Tenant ${me.tenant}, key ${me.key_id}, scopes ${me.scopes.join(', ')}.`);
    },
  });

  tool('update_session_status', {
    title: 'Record review decision',
    description: "Manual review: records a reviewer's decision (approved or declined) with a note. Audited; it does not change the verdict or the attestation.",
    input: input.decide,
    output: output.review,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: async ({ session_id, status, note }, extra) => {
      const review = await clientFor(extra).addReview(session_id, { message: note, decision: status });
      return ok(review, `Recorded decision ${status} on session ${session_id}.`);
    },
  });

  tool('list_session_reviews', {
    title: 'List session reviews',
    description: 'Manual review comments and decisions on a session, oldest first.',
    input: input.sessionOnly,
    output: output.reviews,
    annotations: READ,
    run: async ({ session_id }, extra) => {
      const reviews = await clientFor(extra).listReviews(session_id);
      return ok({ reviews }, `${reviews.length} review(s).`);
    },
  });

  tool('create_session_review', {
    title: 'Add review comment',
    description: 'Manual review: adds a comment to a session. Audited.',
    input: input.comment,
    output: output.review,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: async ({ session_id, message }, extra) => {
      const review = await clientFor(extra).addReview(session_id, { message });
      return ok(review, `Added a comment to session ${session_id}.`);
    },
  });

  const resources = registerResources(server, clientFor);

  // Arguments are checked here, against the same zod schemas, so bad input comes back as a tool
  // error with code invalid_request (the SDK's own check answers with a bare message), and a
  // plain (non-task) verify_human_presence call returns at once instead of being auto-polled.
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, (request: never, extra: ToolExtra) => Promise<unknown>> })._requestHandlers;
  const original = handlers?.get('tools/call');
  if (!handlers || !original) throw new Error('MCP SDK internals changed: no tools/call handler to wrap');
  handlers.set('tools/call', async (request: { params: { name: string; arguments?: unknown; task?: unknown } }, extra: ToolExtra) => {
    // The same boundary check as HTTP (depth, well-formed text, no NUL), for every transport.
    const problem = findInputProblem(request.params.arguments ?? {}, 'arguments');
    if (problem) return toToolError(inputProblemError(problem));
    const schema = inputs.get(request.params.name);
    if (schema) {
      const parsed = schema.safeParse(request.params.arguments ?? {});
      if (!parsed.success) return invalidInput(request.params.name, parsed.error as z.ZodError);
      if (request.params.name === 'verify_human_presence' && !request.params.task) {
        return verify.callPlain(parsed.data as z.infer<typeof input.verify>, extra);
      }
    }
    return original(request as never, extra);
  });

  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    closing.abort();
    resources.close();
    verify.close();
    taskStore.cleanup();
    previousOnClose?.();
  };
  return server;
}
