/**
 * Adaptive capture length: a capture whose pulse is still borderline at its planned end goes on a
 * second at a time, up to the plan's `extension_ms`, instead of ending with a weak pulse the
 * server would score low. The page's own streaming estimate decides when to stop; the server never
 * trusts it: it refuses frames past the plan's bound and measures the pulse again on all of them.
 */
import type { StreamingHeartRate } from '../signal/index.ts';

/** How much one extension step adds (ms). */
export const EXTENSION_STEP_MS = 1000;
/**
 * Streaming pulse z at or above which the pulse counts as settled: the server's pulse feature is
 * (z - 2) / 4 (server/analysis/features.ts), so z 4 is half its full support. Below it, or with no
 * confident estimate at all, a longer window is the one thing that can still lift it.
 */
export const PULSE_SETTLED_Z = 4;

/** Whether the page's pulse estimate is borderline (absent, not confident, or weak). */
export function pulseBorderline(estimate: StreamingHeartRate | null): boolean {
  return !estimate || !estimate.confident || !(estimate.snr_z >= PULSE_SETTLED_Z);
}

/** The ms to add now (0: the capture ends), given the extension already taken and the plan's bound. */
export function nextExtension(estimate: StreamingHeartRate | null, extendedMs: number, maxMs: number, stepMs = EXTENSION_STEP_MS): number {
  if (!pulseBorderline(estimate)) return 0;
  return Math.max(0, Math.min(stepMs, maxMs - extendedMs));
}
