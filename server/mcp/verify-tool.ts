// verify_human_presence: opens a session and tells the agent to show the link. A plain call
// returns at once; run as an MCP task (experimental API, optional support) it completes when the
// session ends. Where the client declares URL-mode elicitation the link is also sent that way.
// registerVerifyTool returns the tool's definition for the tool registry (tool-registry.ts).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { SessionCreatedView, SessionStatus } from '../sessions/schemas.ts';
import { supportsUrlElicitation } from './policy-elicitation.ts';
import { TERMINAL_STATUSES } from '../store/types.ts';
import { sessionEndedText, stillRunningText } from './guidance.ts';
import { toToolError, type ErrorLogger } from './results.ts';
import { input, output } from './schemas.ts';
import type { ClientFor, ToolExtra } from './context.ts';
import type { ToolDefinition } from './tool-registry.ts';

export const DEFAULT_TASK_TTL_MS = 3_600_000;
export const MAX_TASK_TTL_MS = 24 * 3_600_000;
/** How long a plain call waits for the answer to a URL elicitation before returning (it stays open). */
export const URL_ELICITATION_WAIT_MS = 3_000;
/** How long the URL elicitation itself stays open at most (the session's expiry cuts it shorter). */
export const URL_ELICITATION_TIMEOUT_MS = 10 * 60_000;
/** Metadata key (MCP tasks) for text the model should see while the task runs. */
export const IMMEDIATE_RESPONSE_META = 'io.modelcontextprotocol/model-immediate-response';

type VerifyArgs = z.infer<typeof input.verify>;
type VerifyOutput = z.infer<typeof output.verify>;
type UrlAnswer = NonNullable<VerifyOutput['url_elicitation']>;

const NEXT_STEPS =
  'again while timed_out. Live: get_verification_result, then verify_attestation; proceed only on PROCEED. Failed, expired, ' +
  'cancelled or spoof: do not proceed, tell the person why, offer one retry with a new session.';

/** The text of a fresh session: the instruction first, the link exactly once, then the next steps. */
export function instructionsFor(created: SessionCreatedView, answer?: UrlAnswer): string {
  if (answer === 'decline') return declinedText(created);
  const show =
    answer === 'accept'
      ? `The person accepted opening the verification page; if it did not open, show them this link: ${created.verification_url}`
      : `Show the person who must approve this link to open on a device with a camera (takes about 10 s): ${created.verification_url}`;
  return `${show} (expires ${created.expires_at}). Then call wait_for_verification with session_id ${created.session_id}, ${NEXT_STEPS}`;
}

function declinedText(created: SessionCreatedView): string {
  return (
    `The person declined to open the verification page: do not proceed; session ${created.session_id} is cancelled. ` +
    'Ask whether they still want the action; if so, offer one retry with a new verify_human_presence session.'
  );
}

/** A verify result: the instruction as the only text (no JSON copy repeating the link). */
function verifyResult(value: VerifyOutput): CallToolResult {
  return { content: [{ type: 'text', text: value.instructions }], structuredContent: value };
}

interface VerifyToolDeps {
  clientFor: ClientFor;
  logger?: ErrorLogger;
  taskStore: InMemoryTaskStore;
  closing: AbortSignal;
  taskTtlMs?: number;
  /** Overrides URL_ELICITATION_WAIT_MS (tests). */
  urlElicitationWaitMs?: number;
  /** Told of every session this tool opens. */
  onCreated?: (sessionId: string) => void;
}

export function registerVerifyTool(server: McpServer, deps: VerifyToolDeps) {
  const { clientFor, logger, taskStore, closing } = deps;
  const stops = new Set<() => void>();

  /** Tells the client the URL elicitation is complete once the session ends. */
  async function notifyWhenEnded(created: SessionCreatedView, extra: ToolExtra): Promise<void> {
    const notifyComplete = server.server.createElicitationCompletionNotifier(created.session_id);
    try {
      const stop = await clientFor(extra).watchSession(created.session_id, (status) => {
        if (!TERMINAL_STATUSES.includes(status as never)) return;
        stop();
        stops.delete(stop);
        notifyComplete().catch(() => undefined);
      });
      stops.add(stop);
    } catch {
      /* the session vanished or the caller lost read access: nothing to report later */
    }
  }

  /**
   * Presents the URL by URL-mode elicitation. Waits a few seconds for the answer, never longer:
   * the person may take minutes, and the tool call must not block on them. A later answer still
   * counts: accept arms the completion notification, decline cancels the session.
   */
  async function presentByUrlElicitation(created: SessionCreatedView, extra: ToolExtra): Promise<UrlAnswer | undefined> {
    if (!supportsUrlElicitation(server.server)) return undefined;
    const untilExpiry = Math.max(1_000, Date.parse(created.expires_at) - Date.now());
    const asked: Promise<UrlAnswer> = server.server
      .elicitInput(
        {
          mode: 'url',
          elicitationId: created.session_id,
          url: created.verification_url,
          message: `Confirm it is you approving "${created.action_description.slice(0, 200)}": open this page and look at the camera for a few seconds.`,
        },
        { relatedRequestId: extra.requestId, timeout: Math.min(untilExpiry, URL_ELICITATION_TIMEOUT_MS), signal: closing },
      )
      .then((result) => result.action, () => 'unanswered' as const);
    const followUp = asked.then(async (answer) => {
      if (closing.aborted) return;
      if (answer === 'accept') await notifyWhenEnded(created, extra);
      if (answer === 'decline') {
        await clientFor(extra).cancel(created.session_id, 'The person declined to open the verification page.').catch(() => undefined);
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<UrlAnswer>((resolve) => {
      timer = setTimeout(() => resolve('unanswered'), deps.urlElicitationWaitMs ?? URL_ELICITATION_WAIT_MS);
    });
    try {
      const answer = await Promise.race([asked, waited]);
      if (answer === 'decline') await followUp; // the session is cancelled before the result says so
      return answer;
    } finally {
      clearTimeout(timer);
    }
  }

  async function callPlain(args: VerifyArgs, extra: ToolExtra): Promise<CallToolResult> {
    try {
      const created = await clientFor(extra).createSession(args);
      deps.onCreated?.(created.session_id);
      const answer = await presentByUrlElicitation(created, extra);
      const value: VerifyOutput = { ...created, instructions: instructionsFor(created, answer), ...(answer ? { url_elicitation: answer } : {}) };
      if (answer === 'decline') value.status = 'cancelled';
      return verifyResult(value);
    } catch (err) {
      return toToolError(err, logger);
    }
  }

  const definition: ToolDefinition<typeof input.verify, typeof output.verify> = {
    title: 'Verify human presence',
    description:
      'Before a consequential action: the person proves they are live and approves exactly this action. Show them the ' +
      'returned link (a device with a camera, about 10 s), then call wait_for_verification. risk_level high for wire ' +
      'transfers, payments, contract signing, access-control or permission changes, deleting data; standard for routine ' +
      'approvals. The text says what to do per outcome. Optional task mode: completes when the session ends.',
    input: input.verify,
    output: output.verify,
    annotations: { title: 'Verify human presence', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    execution: { taskSupport: 'optional' },
    // A plain call returns at once with the link; it does not wait for the session.
    run: callPlain,
    createTask: async (args, extra) => {
      const requested = extra.taskRequestedTtl ?? deps.taskTtlMs ?? DEFAULT_TASK_TTL_MS;
      const task = await extra.taskStore.createTask({ ttl: Math.min(requested, MAX_TASK_TTL_MS), pollInterval: 2_000 });
      let created: SessionCreatedView;
      try {
        created = await clientFor(extra).createSession(args);
        deps.onCreated?.(created.session_id);
      } catch (err) {
        await extra.taskStore.storeTaskResult(task.taskId, 'failed', toToolError(err, logger));
        return { task: (await extra.taskStore.getTask(task.taskId)) ?? task };
      }
      const instructions = instructionsFor(created);
      await extra.taskStore.updateTaskStatus(task.taskId, 'working', instructions);
      void completeWhenTerminal(task.taskId, created, extra);
      return { task: (await extra.taskStore.getTask(task.taskId)) ?? task, _meta: { [IMMEDIATE_RESPONSE_META]: instructions } };
    },
  };

  async function completeWhenTerminal(taskId: string, created: SessionCreatedView, extra: ToolExtra): Promise<void> {
    const client = clientFor(extra);
    const untilExpiry = Date.parse(created.expires_at) - Date.now() + 5_000;
    // While it runs, statusMessage follows the session (the person opened the link, ...).
    const onChange = async (status: SessionStatus) => {
      if (TERMINAL_STATUSES.includes(status.status)) return;
      await taskStore.updateTaskStatus(taskId, 'working', `${stillRunningText(status)} Link: ${created.verification_url}`).catch(() => undefined);
    };
    try {
      const outcome = await client.waitForTerminal(created.session_id, Math.max(untilExpiry, 1_000), onChange, closing);
      if (closing.aborted) return;
      const final = outcome.status;
      const text = TERMINAL_STATUSES.includes(final.status) ? sessionEndedText(final) : stillRunningText(final);
      // The result and statusMessage describe the end: no "show this link" once it is over.
      const value: VerifyOutput = {
        ...created,
        status: final.status,
        instructions: text,
        final_status: final,
      };
      await taskStore.updateTaskStatus(taskId, 'working', text);
      await taskStore.storeTaskResult(taskId, 'completed', verifyResult(value));
    } catch (err) {
      if (closing.aborted) return;
      // Also reached when the task was cancelled meanwhile (a terminal task takes no result).
      await taskStore.storeTaskResult(taskId, 'failed', toToolError(err, logger)).catch(() => undefined);
    }
  }

  return {
    definition,
    close() {
      for (const stop of stops) stop();
      stops.clear();
    },
  };
}
