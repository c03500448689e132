/**
 * Adaptive capture length on the page: waits out the planned capture, then goes on a step at a
 * time while the signal worker says the pulse is still borderline (workers/capture/extension.ts;
 * the plan bounds it and the server refuses frames past the bound).
 */

/** How long before the capture's end the page asks whether to extend it (its pulse estimate is that recent). */
export const EXTENSION_LEAD_MS = 250;
/** Time after the last frame for the worker to take it before the page stops the capture. */
export const END_MARGIN_MS = 200;

export interface CaptureLengthDeps {
  /** ms the capture goes on for (0: end it). */
  extend(): Promise<number>;
  /** False once the capture was cancelled or torn down. */
  active(): boolean;
  /** The capture now ends `totalMs` after its start (called after each step). */
  extended(totalMs: number): void;
  sleep?: (ms: number) => Promise<unknown>;
}

/** Resolves when the capture should stop: true, or false when it was cancelled meanwhile. */
export async function captureUntilSettled(durationMs: number, deps: CaptureLengthDeps): Promise<boolean> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  await sleep(durationMs - EXTENSION_LEAD_MS);
  let total = durationMs;
  for (;;) {
    if (!deps.active()) return false;
    const more = await deps.extend();
    if (!(more > 0)) break;
    total += more;
    deps.extended(total);
    await sleep(more);
  }
  await sleep(EXTENSION_LEAD_MS + END_MARGIN_MS);
  return deps.active();
}
