// What an agent should do after each outcome of a verification, said once and reused by every
// tool result and error hint: one sentence per terminal outcome, the decision first.
import type { Verdict } from '../../workers/protocol/index.ts';
import type { SessionStatus } from '../sessions/schemas.ts';

/** A terminal outcome: the verdict of a completed session, or how another one ended. */
export type Outcome = Verdict | 'failed' | 'expired' | 'cancelled';

const RETRY = 'offer one retry with a new verify_human_presence session';

/** One sentence per terminal outcome: the decision first, what to tell the person, the next step. */
export const OUTCOME_GUIDANCE: Record<Outcome, string> = {
  live: 'verified live: call get_verification_result, then verify_attestation on its signature, and proceed only if it answers PROCEED.',
  spoof: `do not proceed; tell the person the camera check did not see a live person and ${RETRY}.`,
  failed: `do not proceed; tell the person in plain words why it failed (for example poor light or the face out of view) and ${RETRY}.`,
  expired: `do not proceed; tell the person the link expired before they finished and ${RETRY}.`,
  cancelled: `do not proceed; tell the person the approval was cancelled and, if they still want the action, ${RETRY}.`,
};

/** How long the person usually takes, for descriptions and waiting texts. */
export const TYPICAL_WAIT = 'a person usually needs 1-3 minutes';

export function outcomeOf(status: Pick<SessionStatus, 'status' | 'verdict'>): Outcome | null {
  switch (status.status) {
    case 'completed':
      return status.verdict === 'live' ? 'live' : 'spoof';
    case 'failed':
    case 'expired':
    case 'cancelled':
      return status.status;
    default:
      return null;
  }
}

/** Plain words for the failure reasons (stable codes), when there are any. */
export function reasonsText(reasons: readonly string[] | undefined): string {
  return reasons?.length ? ` (reasons: ${reasons.join(', ')})` : '';
}

/**
 * The line an agent reads when a session ends: the outcome, then its guidance, so no agent gates
 * on the bare word "completed" (a spoof verdict completes a session too).
 */
export function sessionEndedText(status: Pick<SessionStatus, 'status' | 'verdict' | 'failure_reasons'>): string {
  const outcome = outcomeOf(status);
  if (!outcome) return stillRunningText({ status: status.status, expires_at: undefined });
  const what = status.status === 'completed' ? `completed, verdict ${status.verdict ?? 'unknown'}` : `${status.status}${reasonsText(status.failure_reasons)}, no live verdict`;
  return `Session ended: ${what} — ${OUTCOME_GUIDANCE[outcome]}`;
}

/** The text for a session that has not ended yet: what it is doing and how to keep waiting. */
export function stillRunningText(status: { status: string; expires_at?: string }): string {
  const doing = status.status === 'in_progress' ? 'the person opened the link and the check is running' : 'the person has not opened the link yet';
  const expiry = status.expires_at ? `; the link expires at ${status.expires_at}` : '';
  return `Not finished (${status.status}: ${doing}) — do not proceed yet; call wait_for_verification again (${TYPICAL_WAIT}${expiry}).`;
}
