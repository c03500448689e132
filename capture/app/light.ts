/**
 * The light challenge, just in time: the server hands out each colour shortly before it is due
 * (POST /v1/capture/{id}/light); the overlay shows the known step covering the current time, timed
 * from the same epoch as the frames' t = 0 (performance.timeOrigin + performance.now()). A step
 * not yet known shows nothing.
 */
import type { LightChallengeStep as LightStep, LightReveal } from '../../workers/protocol/index.ts';

export interface LightChallengeRun {
  stop(): void;
  done: Promise<void>;
  /** The steps revealed so far, in order (the worker scores the page's own response on them). */
  revealed(): LightStep[];
}

/** Polls at least this often while a step is due soon, so a late answer is caught up quickly. */
const MAX_POLL_MS = 1000;
const MIN_POLL_MS = 20;
const RETRY_MS = 200;

export function runLightChallenge(overlay: HTMLElement, reveal: () => Promise<LightReveal>, startEpochMs: number, stepCount: number): LightChallengeRun {
  let raf = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let allKnown = false;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const known = new Map<number, LightStep>();
  const steps = () => [...known.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
  overlay.hidden = false;

  const poll = async () => {
    if (stopped) return;
    let wait = RETRY_MS;
    try {
      const r = await reveal();
      for (const s of r.steps) known.set(s.step, { start_ms: s.start_ms, duration_ms: s.duration_ms, rgb: s.rgb });
      if (r.next_reveal_in_ms === null || known.size >= stepCount) allKnown = true;
      else wait = Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, r.next_reveal_in_ms));
    } catch {
      // A lost answer: ask again soon; a step learnt late is shown late (the server scores it so).
    }
    if (!stopped && !allKnown) timer = setTimeout(() => void poll(), wait);
  };

  const tick = () => {
    if (stopped) return;
    const t = performance.timeOrigin + performance.now() - startEpochMs;
    const list = steps();
    const step = list.find((s) => t >= s.start_ms && t < s.start_ms + s.duration_ms);
    overlay.style.backgroundColor = step ? `rgb(${step.rgb[0]}, ${step.rgb[1]}, ${step.rgb[2]})` : 'transparent';
    const end = list.reduce((m, s) => Math.max(m, s.start_ms + s.duration_ms), 0);
    if (allKnown && t >= end) {
      finish();
      return;
    }
    raf = requestAnimationFrame(tick);
  };
  const finish = () => {
    if (stopped) return;
    stopped = true;
    cancelAnimationFrame(raf);
    clearTimeout(timer);
    overlay.style.backgroundColor = 'transparent';
    overlay.hidden = true;
    resolveDone();
  };
  void poll();
  raf = requestAnimationFrame(tick);
  return { stop: finish, done, revealed: steps };
}
