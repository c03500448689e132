/**
 * The light challenge: full-screen colours from the server's schedule, timed from the same
 * epoch as the frames' t = 0 (performance.timeOrigin + performance.now()).
 */
import type { LightStep } from './api.ts';

export interface LightChallengeRun {
  stop(): void;
  done: Promise<void>;
}

export function runLightChallenge(overlay: HTMLElement, schedule: LightStep[], startEpochMs: number): LightChallengeRun {
  let raf = 0;
  let stopped = false;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const end = schedule.reduce((m, s) => Math.max(m, s.start_ms + s.duration_ms), 0);
  overlay.hidden = false;
  const tick = () => {
    if (stopped) return;
    const t = performance.timeOrigin + performance.now() - startEpochMs;
    const step = schedule.find((s) => t >= s.start_ms && t < s.start_ms + s.duration_ms);
    overlay.style.backgroundColor = step ? `rgb(${step.rgb[0]}, ${step.rgb[1]}, ${step.rgb[2]})` : 'transparent';
    if (t >= end) {
      finish();
      return;
    }
    raf = requestAnimationFrame(tick);
  };
  const finish = () => {
    stopped = true;
    cancelAnimationFrame(raf);
    overlay.style.backgroundColor = 'transparent';
    overlay.hidden = true;
    resolveDone();
  };
  raf = requestAnimationFrame(tick);
  return { stop: finish, done };
}
