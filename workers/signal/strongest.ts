/**
 * The server's pulse measure, shared with the page: both extractions run and the stronger one
 * counts. GREEN is the most sensitive on a still face, POS rejects the intensity changes of
 * motion; taking the better of two raises the noise floor a little, and the policy's z threshold
 * is calibrated with this in place (docs/CALIBRATION.md). The page runs it on its own ROI traces
 * to decide whether to extend a capture (workers/capture/extension.ts).
 */
import { estimateHeartRate, type HeartRateEstimate } from './estimate-heart-rate.ts';
import type { PulseMethod } from './pulse.ts';

export const STRONGEST_PULSE_METHODS: readonly PulseMethod[] = ['pos', 'green'];

/** The estimate with the higher noise-referenced SNR over STRONGEST_PULSE_METHODS (null: none possible). */
export function strongestPulse(times: ArrayLike<number>, traces: readonly ArrayLike<number>[]): HeartRateEstimate | null {
  let best: HeartRateEstimate | null = null;
  for (const method of STRONGEST_PULSE_METHODS) {
    try {
      const estimate = estimateHeartRate(times, traces, { method });
      if (!best || estimate.snr_z > best.snr_z) best = estimate;
    } catch {
      // too short or degenerate: the other method may still answer
    }
  }
  return best;
}
