// Which part of the light-challenge schedule a capture can be scored on: only what the server
// revealed (a colour the page never learnt cannot be answered), from the moment it revealed it,
// and only where the frames that should show the response reached the server soon enough
// (evidence uploaded long after a colour was revealed could have been rendered to match it).
import type { CaptureChunk } from '../../workers/codec/index.ts';
import type { LightChallengeOptions, LightChallengeStep } from '../../workers/signal/index.ts';
import type { LightRevealRow } from '../store/types.ts';

/**
 * The light-challenge scoring the server applies (workers/signal/light-challenge.ts). The accepted
 * latency from a colour's start to the face's response (docs/CALIBRATION.md, "Light challenge,
 * just in time"): the simulated reflection of the e2e captures answered at 20-70 ms; a webcam adds
 * its exposure and pipeline delay (typically 100-250 ms), so 400 ms keeps a margin and no more.
 */
export const SERVER_LIGHT_CHALLENGE: LightChallengeOptions = { maxLagMs: 400, searchLagMs: 2000 };

/**
 * How long after a step's end (plus the accepted latency) the frames covering it may reach the
 * server. The page cuts a chunk 250 ms behind its newest frame, every second, and uploads it at
 * once: measured -0.05 to 1.4 s on a busy 2-core machine. This leaves room for a slow machine,
 * not for rendering a response after the fact.
 */
export const MAX_COMMIT_DELAY_MS = 3000;

export interface ScoredSchedule {
  schedule: LightChallengeStep[];
  diagnostics: {
    steps: number;
    revealed: number;
    /** Revealed after the step's own start: scored from the reveal on. */
    revealed_late: number;
    /** Scored steps dropped because the frames answering them arrived too late. */
    committed_late: number;
    /** Per step: the server time it was revealed minus its start (negative: ahead of it), ms. */
    reveal_lead_ms: number[];
    /** Per scored step: how long after the step's end its last answering frame reached the server, ms. */
    commit_delay_ms: number[];
  };
}

/**
 * `schedule`: what the server drew at start; `reveals`: when it handed each step out (server ms
 * since the attempt started); `commits`: per chunk, when it was received (same clock) — frame
 * times are the page's clock, which trails the server's, so comparing them directly is lenient
 * to the page.
 */
export function scoredSchedule(
  schedule: readonly LightChallengeStep[],
  reveals: readonly LightRevealRow[],
  chunks: readonly Pick<CaptureChunk, 'frames'>[],
  commitsMs: readonly number[] | null,
  maxLagMs = SERVER_LIGHT_CHALLENGE.maxLagMs ?? 500,
): ScoredSchedule {
  const revealedAt = new Map(reveals.map((r) => [r.step, r.revealed_at_ms]));
  const out: LightChallengeStep[] = [];
  const d: ScoredSchedule['diagnostics'] = { steps: schedule.length, revealed: 0, revealed_late: 0, committed_late: 0, reveal_lead_ms: [], commit_delay_ms: [] };
  schedule.forEach((step, i) => {
    const at = revealedAt.get(i);
    if (at === undefined) return;
    d.revealed++;
    d.reveal_lead_ms.push(Math.round(at - step.start_ms));
    const end = step.start_ms + step.duration_ms;
    const start = Math.max(step.start_ms, at);
    if (start > step.start_ms) d.revealed_late++;
    if (start >= end) return;
    if (commitsMs) {
      // The last chunk holding a frame of the step's response window.
      let lastCommit = -Infinity;
      chunks.forEach((c, k) => {
        if (c.frames.some((f) => f.t >= start && f.t < end + maxLagMs)) lastCommit = Math.max(lastCommit, commitsMs[k]);
      });
      if (lastCommit > -Infinity) {
        const delay = lastCommit - (end + maxLagMs);
        d.commit_delay_ms.push(Math.round(delay));
        if (delay > MAX_COMMIT_DELAY_MS) {
          d.committed_late++;
          return;
        }
      }
    }
    out.push({ start_ms: start, duration_ms: end - start, rgb: step.rgb });
  });
  return { schedule: out, diagnostics: d };
}
