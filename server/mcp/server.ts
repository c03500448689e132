// createServer(): one McpServer over a LivegateClient, side-effect free (no listening, no timers
// until a transport connects). Every transport (stdio, Streamable HTTP, in-memory in tests)
// connects one of these; the tools never call the REST API of their own process.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../errors.ts';
import { waitView } from '../application/views.ts';
import { VERSION } from '../version.ts';
import { decideAttestation } from './attestation-tool.ts';
import type { LivegateClient } from './client.ts';
import type { ClientFor, ToolExtra } from './context.ts';
import { elicitPolicy, supportsFormElicitation } from './policy-elicitation.ts';
import { OUTCOME_GUIDANCE, outcomeOf, reasonsText, sessionEndedText, stillRunningText } from './guidance.ts';
import { GuardedMcpServer } from './protocol.ts';
import { registerResources } from './resources.ts';
import { mcpError, ok, toolError, toToolError, type ErrorLogger } from './results.ts';
import { DEFAULT_WAIT_S, GREETINGS, input, output } from './schemas.ts';
import { createToolRegistry, type ToolCallOutcome, type ToolDefinition } from './tool-registry.ts';
import { registerVerifyTool } from './verify-tool.ts';
import type { z } from 'zod';

export type { ClientFor, ToolExtra } from './context.ts';

export interface CreateServerDeps {
  clientFor: ClientFor;
  logger?: ErrorLogger;
  /** Milliseconds a finished task's result stays retrievable (default 1 hour). */
  taskTtlMs?: number;
  /** How long a plain verify_human_presence waits for a URL elicitation answer (default 3 s). */
  urlElicitationWaitMs?: number;
  /** Told of every tools/call (metrics): the tool, or "unknown", and how it ended. */
  onToolCall?(tool: string, outcome: ToolCallOutcome): void;
}

export const SERVER_NAME = 'livegate';
export const INSTRUCTIONS =
  'Livegate checks that a live person approves an action. Before a consequential action call ' +
  'verify_human_presence with a description of it (risk_level high for wire transfers, contract signing, access-control ' +
  'changes; standard for routine approvals), show the returned link to the person, then call wait_for_verification ' +
  '(again while timed_out). Live: get_verification_result, then verify_attestation; proceed only on PROCEED. Failed, ' +
  'expired, cancelled or spoof: do not proceed, tell the person why in plain words, offer one retry with a new session.';

const READ: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export function createServer(deps: CreateServerDeps): McpServer {
  const { clientFor, logger } = deps;
  const taskStore = new InMemoryTaskStore();
  const server: McpServer = new GuardedMcpServer(
    { name: SERVER_NAME, title: 'Livegate', version: VERSION },
    {
      instructions: INSTRUCTIONS,
      capabilities: { logging: {}, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
      taskStore,
    },
    {
      onRefused: (method) => {
        if (method === 'tools/call') deps.onToolCall?.('unknown', { error: 'invalid params' });
      },
    },
  );
  // Ends waits and task watchers when the connection closes.
  const closing = new AbortController();
  const registry = createToolRegistry(server, { logger, onToolCall: deps.onToolCall });

  /** A tool whose thrown errors become tool errors with a stable code. */
  function tool<I extends z.ZodObject, O extends z.ZodObject>(name: string, spec: ToolDefinition<I, O>): void {
    registry.add(name, {
      ...spec,
      annotations: { title: spec.title, ...spec.annotations },
      run: async (args, extra) => {
        try {
          return await spec.run(args, extra);
        } catch (err) {
          return toToolError(err, logger);
        }
      },
    });
  }

  tool('health-check', {
    title: 'Health check',
    description: 'Whether the Livegate server is up (status, uptime, version, warnings such as a missing model).',
    input: input.health,
    output: output.health,
    annotations: READ,
    run: async (_args, extra) => {
      const client = clientFor(extra);
      const health = await client.health();
      // A missing model disables a check: sessions requiring it could never pass.
      const warnings = await client.listChecks().then(
        (checks) => checks.filter((c) => !c.available).map((c) => `check ${c.name} unavailable: ${c.reason}`),
        () => [] as string[], // without session:read the checks are not ours to see
      );
      const line = `Livegate ${health.version} is up (${health.uptime})`;
      return ok({ ...health, ...(warnings.length ? { warnings } : {}) }, warnings.length ? `${line}, but: ${warnings.join(' ')}` : `${line}.`);
    },
  });

  tool('greet', {
    title: 'Greet',
    description: 'Demo tool: greets someone in en, es, fr, de or pt.',
    input: input.greet,
    output: output.greet,
    annotations: READ,
    run: async ({ name, language = 'en' }) => {
      const greeting = GREETINGS[language](name);
      return { content: [{ type: 'text', text: greeting }], structuredContent: { greeting, language } };
    },
  });

  // Sessions opened over this connection: completion/complete offers them for the session template.
  const recentSessions: string[] = [];
  const verify = registerVerifyTool(server, {
    clientFor,
    logger,
    taskStore,
    closing: closing.signal,
    taskTtlMs: deps.taskTtlMs,
    urlElicitationWaitMs: deps.urlElicitationWaitMs,
    onCreated: (id) => {
      recentSessions.push(id);
      if (recentSessions.length > 100) recentSessions.shift();
    },
  });
  registry.add('verify_human_presence', verify.definition);

  tool('check_verification_status', {
    title: 'Check verification status',
    description:
      'Status now, without waiting (pending, in_progress, completed with verdict live or spoof, failed, expired, cancelled); ' +
      'the text starts with the next step. To wait, use wait_for_verification.',
    input: input.sessionOnly,
    output: output.status,
    annotations: READ,
    run: async ({ session_id }, extra) => {
      const status = await clientFor(extra).getStatus(session_id);
      return ok(status, outcomeOf(status) ? sessionEndedText(status) : stillRunningText(status));
    },
  });

  tool('get_verification_result', {
    title: 'Get verification result',
    description:
      'The signed attestation of a completed session (signature JWT, claims, audit trail); next, verify_attestation on the ' +
      'signature. Error session_not_completed: before the end, wait; after failed, expired or cancelled, do not proceed.',
    input: input.sessionOnly,
    output: output.result,
    annotations: READ,
    run: async ({ session_id }, extra) => {
      const client = clientFor(extra);
      const result = await client.getResult(session_id).catch(async (err: unknown) => {
        throw await notCompletedGuidance(client, session_id, err);
      });
      const a = result.attestation;
      const advice = a.verdict === 'live' ? 'check it with verify_attestation before proceeding' : OUTCOME_GUIDANCE.spoof.replace(/\.$/, '');
      return ok(result, `Verdict ${a.verdict} (score ${a.score}, risk ${a.risk_level}, checks ${(a.required_checks ?? []).join(', ') || 'unlisted'}, light challenge ${a.light_challenge ? 'ran' : 'not run'}${a.identity ? `, identity ${a.identity.status}` : ''}) for "${a.action_description}" — ${advice}.`);
    },
  });

  tool('forget_user', {
    title: 'Forget user',
    description: "Deletes a user's face templates (audited).",
    input: input.forgetUser,
    output: output.forgetUser,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    run: async ({ user_identifier }, extra) => {
      const r = await clientFor(extra).forgetUser(user_identifier);
      return ok(r, `Deleted ${r.templates_deleted} face template(s) of ${JSON.stringify(user_identifier)}.`);
    },
  });

  tool('revoke_session', {
    title: 'Revoke session',
    description: 'Cancels an unfinished session (e.g. the action was dropped); its link stops working.',
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
      'Waits for the session to end. timed_out true: the person is not done yet (usually 1-3 minutes), call again. The text ' +
      'starts with the decision: live → get_verification_result, then verify_attestation; failed, expired, cancelled or ' +
      'spoof → do not proceed, tell the person why, offer one retry with a new session.',
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
      const value = waitView(outcome.status);
      return ok(value, value.timed_out ? stillRunningText(value) : sessionEndedText(value));
    },
  });

  tool('verify_attestation', {
    title: 'Verify attestation',
    description:
      'The decision to gate on: checks an attestation JWT (signature, expiry, verdict live, not revoked; optionally action, ' +
      'audience, nonce, checks, risk level). Starts with PROCEED or DO NOT PROCEED; act only on proceed: true.',
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
    description: 'Stored verification policies (pass a policy_id as `policy` to verify_human_presence).',
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
    description: 'One stored verification policy.',
    input: input.getPolicy,
    output: output.policy,
    annotations: READ,
    run: async ({ policy_id }, extra) => ok(await clientFor(extra).getPolicy(policy_id)),
  });

  tool('create_policy', {
    title: 'Create policy',
    description:
      'Creates a named policy (scope policy:write) to pass as `policy` to verify_human_presence. Fields: ' +
      'livegate://reference/policy-overrides; left out ones take the defaults (or are asked by form elicitation).',
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
    description: 'Changes fields of a stored policy (merged; same fields and floor as create_policy). Existing sessions keep theirs.',
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
    description: 'Liveness checks this deployment runs and whether each is available (reason says the fix).',
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
    description: 'Tenant, key id, scopes, server version and public URL of this connection.',
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
    description: 'Manual review: records approved or declined with a note (audited; the verdict stays as it is).',
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
    description: 'Manual review: adds a comment to a session (audited).',
    input: input.comment,
    output: output.review,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: async ({ session_id, message }, extra) => {
      const review = await clientFor(extra).addReview(session_id, { message });
      return ok(review, `Added a comment to session ${session_id}.`);
    },
  });

  const resources = registerResources(server, clientFor, () => recentSessions);

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

/**
 * session_not_completed on a session that ended without a result: the hint must not say "wait"
 * (it will never complete) but what each outcome means for the agent.
 */
async function notCompletedGuidance(client: LivegateClient, sessionId: string, err: unknown): Promise<unknown> {
  if (!(err instanceof AppError) || err.code !== 'session_not_completed') return err;
  const status = await client.getStatus(sessionId).catch(() => null);
  const outcome = status ? outcomeOf(status) : null;
  if (!status || !outcome || outcome === 'live') return err;
  return new AppError('session_not_completed', `Session ${sessionId} ended ${status.status}${reasonsText(status.failure_reasons)}; it has no attestation and never will.`, {
    hint: OUTCOME_GUIDANCE[outcome].replace(/^./, (c) => c.toUpperCase()),
    details: { status: status.status, ...(status.verdict ? { verdict: status.verdict } : {}), ...(status.failure_reasons?.length ? { failure_reasons: status.failure_reasons } : {}) },
  });
}
