/**
 * Adaptive capture length: a capture whose pulse is still borderline at its planned end goes on a
 * second at a time, up to the plan's `extension_ms`, instead of ending with a weak pulse the
 * server would score low. The page decides with the server's own pulse measure run on its ROI
 * traces (face-trace.ts `pulseZ`); the server never trusts it: it refuses frames past the plan's
 * bound and measures the pulse again on all of them. The server does not advise: an endpoint
 * saying "your pulse looks weak" mid-capture would be an oracle for tuning a fake one.
 */

/** How much one extension step adds (ms). */
export const EXTENSION_STEP_MS = 1000;
/**
 * Pulse z, on the page's ROI traces, at or above which the pulse counts as settled. The page's three
 * ROIs read about half the server's 64: on runs 1-2 of docs/EVALUATION.md (52 presentations, the
 * page's traces cut where it decides) page z = -0.17 + 0.54 x server z, correlation 0.70. 3 on the
 * page is then about 6 on the server, where the server's pulse feature ((z - 2) / 4,
 * server/analysis/features.ts) reaches its full support and a longer capture can add nothing.
 */
export const PULSE_SETTLED_Z = 3;

/** Whether the pulse is borderline: no measure yet, or a z under the settled line. */
export function pulseBorderline(z: number | null): boolean {
  return !(z !== null && z >= PULSE_SETTLED_Z);
}

/** The ms to add now (0: the capture ends), given the extension already taken and the plan's bound. */
export function nextExtension(z: number | null, extendedMs: number, maxMs: number, stepMs = EXTENSION_STEP_MS): number {
  if (!pulseBorderline(z)) return 0;
  return Math.max(0, Math.min(stepMs, maxMs - extendedMs));
}
