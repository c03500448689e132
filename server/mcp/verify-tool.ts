// verify_human_presence: opens a session and tells the agent to show the link. A plain call
// returns at once; run as an MCP task (experimental API, optional support) it completes when the
// session ends. Where the client declares URL-mode elicitation the link is also sent that way.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { SessionCreatedView } from '../sessions/schemas.ts';
import { supportsUrlElicitation } from './policy-elicitation.ts';
import { ok, sessionEndedText, toToolError, type ErrorLogger } from './results.ts';
import { input, output } from './schemas.ts';
import type { ClientFor, ToolExtra } from './server.ts';

export const DEFAULT_TASK_TTL_MS = 3_600_000;
export const MAX_TASK_TTL_MS = 24 * 3_600_000;
/** How long a plain call waits for the person to answer a URL elicitation before returning. */
export const URL_ELICITATION_TIMEOUT_MS = 30_000;
/** Metadata key (MCP tasks) for text the model should see while the task runs. */
export const IMMEDIATE_RESPONSE_META = 'io.modelcontextprotocol/model-immediate-response';

type VerifyArgs = z.infer<typeof input.verify>;
type VerifyOutput = z.infer<typeof output.verify>;

export function instructionsFor(created: SessionCreatedView): string {
  return (
    `Show this link to the person who must approve "${created.action_description}" and ask them to open it on a device with a camera: ` +
    `${created.verification_url} (valid until ${created.expires_at}). Then call wait_for_verification with session_id ` +
    `${created.session_id} (again while timed_out is true), or poll check_verification_status; once it is completed, ` +
    'call get_verification_result and verify_attestation on its signature; proceed only on PROCEED (verdict live, not revoked).'
  );
}

interface VerifyToolDeps {
  clientFor: ClientFor;
  logger?: ErrorLogger;
  taskStore: InMemoryTaskStore;
  closing: AbortSignal;
  taskTtlMs?: number;
}

export function registerVerifyTool(server: McpServer, deps: VerifyToolDeps) {
  const { clientFor, logger, taskStore, closing } = deps;
  const stops = new Set<() => void>();

  /** Presents the URL by URL-mode elicitation and, when the session ends, says the elicitation is complete. */
  async function presentByUrlElicitation(created: SessionCreatedView, extra: ToolExtra): Promise<VerifyOutput['url_elicitation']> {
    if (!supportsUrlElicitation(server.server)) return undefined;
    let answer: VerifyOutput['url_elicitation'] = 'unanswered';
    try {
      const result = await server.server.elicitInput(
        {
          mode: 'url',
          elicitationId: created.session_id,
          url: created.verification_url,
          message: `Confirm it is you approving "${created.action_description}": open this page and look at the camera for a few seconds.`,
        },
        { relatedRequestId: extra.requestId, timeout: URL_ELICITATION_TIMEOUT_MS, signal: AbortSignal.any([extra.signal, closing]) },
      );
      answer = result.action;
    } catch {
      return 'unanswered';
    }
    if (answer === 'accept') {
      const notifyComplete = server.server.createElicitationCompletionNotifier(created.session_id);
      try {
        const stop = await clientFor(extra).watchSession(created.session_id, (status) => {
          if (!['completed', 'failed', 'expired', 'cancelled'].includes(status)) return;
          stop();
          stops.delete(stop);
          notifyComplete().catch(() => undefined);
        });
        stops.add(stop);
      } catch {
        /* the session vanished or the caller lost read access: nothing to report later */
      }
    }
    return answer;
  }

  async function callPlain(args: VerifyArgs, extra: ToolExtra): Promise<CallToolResult> {
    try {
      const created = await clientFor(extra).createSession(args);
      const urlElicitation = await presentByUrlElicitation(created, extra);
      const value: VerifyOutput = { ...created, instructions: instructionsFor(created), ...(urlElicitation ? { url_elicitation: urlElicitation } : {}) };
      return ok(value, value.instructions);
    } catch (err) {
      return toToolError(err, logger);
    }
  }

  server.experimental.tasks.registerToolTask(
    'verify_human_presence',
    {
      title: 'Verify human presence',
      description:
        'Opens a face liveness verification bound to an action and returns a verification_url to show the person (they open it ' +
        'on a device with a camera). Then wait_for_verification / check_verification_status, and get_verification_result. ' +
        'An inline `policy` may only tighten the defaults (policy_below_floor otherwise). Can run as a task that completes when the session ends.',
      inputSchema: input.verify,
      outputSchema: output.verify,
      annotations: { title: 'Verify human presence', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      execution: { taskSupport: 'optional' },
    },
    {
      createTask: async (args, extra) => {
        const requested = extra.taskRequestedTtl ?? deps.taskTtlMs ?? DEFAULT_TASK_TTL_MS;
        const task = await extra.taskStore.createTask({ ttl: Math.min(requested, MAX_TASK_TTL_MS), pollInterval: 2_000 });
        let created: SessionCreatedView;
        try {
          created = await clientFor(extra).createSession(args as VerifyArgs);
        } catch (err) {
          await extra.taskStore.storeTaskResult(task.taskId, 'failed', toToolError(err, logger));
          return { task: (await extra.taskStore.getTask(task.taskId)) ?? task };
        }
        const instructions = instructionsFor(created);
        await extra.taskStore.updateTaskStatus(task.taskId, 'working', instructions);
        void completeWhenTerminal(task.taskId, created, extra);
        return { task: (await extra.taskStore.getTask(task.taskId)) ?? task, _meta: { [IMMEDIATE_RESPONSE_META]: instructions } };
      },
      getTask: async (_args, extra) => {
        const task = await extra.taskStore.getTask(extra.taskId);
        if (!task) throw new Error(`Task ${extra.taskId} not found`);
        return task;
      },
      getTaskResult: async (_args, extra) => (await extra.taskStore.getTaskResult(extra.taskId)) as CallToolResult,
    },
  );

  async function completeWhenTerminal(taskId: string, created: SessionCreatedView, extra: ToolExtra): Promise<void> {
    const client = clientFor(extra);
    const untilExpiry = Date.parse(created.expires_at) - Date.now() + 5_000;
    try {
      const outcome = await client.waitForTerminal(created.session_id, Math.max(untilExpiry, 1_000), undefined, closing);
      if (closing.aborted) return;
      const value: VerifyOutput = { ...created, instructions: instructionsFor(created), final_status: outcome.status };
      await taskStore.storeTaskResult(taskId, 'completed', ok(value, sessionEndedText(outcome.status)));
    } catch (err) {
      if (closing.aborted) return;
      // Also reached when the task was cancelled meanwhile (a terminal task takes no result).
      await taskStore.storeTaskResult(taskId, 'failed', toToolError(err, logger)).catch(() => undefined);
    }
  }

  return {
    callPlain,
    close() {
      for (const stop of stops) stop();
      stops.clear();
    },
  };
}
