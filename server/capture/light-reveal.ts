// The light challenge, revealed just in time: the page learns each colour only shortly before it
// must show it, and the server records when it revealed each step (docs/PROTOCOL.md).
import type { LightChallengeAnnouncement, LightChallengeStep, LightReveal } from '../../workers/protocol/index.ts';

/**
 * How far ahead of a step's start (server clock, ms since the attempt started) it may be revealed.
 * The page's t = 0 trails the server's attempt start by the start response's trip plus 150 ms, so
 * a step revealed this early reaches an honest page a few hundred ms before it is due; a colour
 * never becomes known earlier than that.
 */
export const LIGHT_REVEAL_LEAD_MS = 250;

export type { LightChallengeAnnouncement, LightReveal };

export function announceLightChallenge(schedule: readonly LightChallengeStep[]): LightChallengeAnnouncement {
  return { mode: 'just_in_time', steps: schedule.length, reveal_lead_ms: LIGHT_REVEAL_LEAD_MS };
}

/** Indices of the steps revealable `elapsedMs` after the attempt started. */
export function revealableSteps(schedule: readonly LightChallengeStep[], elapsedMs: number, leadMs = LIGHT_REVEAL_LEAD_MS): number[] {
  const out: number[] = [];
  schedule.forEach((s, i) => {
    if (s.start_ms - leadMs <= elapsedMs) out.push(i);
  });
  return out;
}

export function lightReveal(schedule: readonly LightChallengeStep[], elapsedMs: number, leadMs = LIGHT_REVEAL_LEAD_MS): LightReveal {
  const due = revealableSteps(schedule, elapsedMs, leadMs);
  const next = schedule.find((_, i) => !due.includes(i));
  return {
    steps: due.map((i) => ({ step: i, ...schedule[i], rgb: [...schedule[i].rgb] as [number, number, number] })),
    next_reveal_in_ms: next ? Math.max(0, Math.ceil(next.start_ms - leadMs - elapsedMs)) : null,
  };
}
