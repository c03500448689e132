import { SignalError } from './errors.ts';
import { median } from './stats.ts';

/**
 * Irregular camera timestamps to a uniform grid by linear interpolation.
 * Frames come at the rate the device sustains (jitter, drops); every later stage assumes a fixed rate.
 */

/** Number of uniform samples at `rate` Hz that fit in [times[0], times[last]] (times in ms). */
export function uniformLength(times: ArrayLike<number>, rate: number): number {
  if (times.length < 2) return times.length;
  const span = (times[times.length - 1] - times[0]) / 1000;
  return Math.floor(span * rate + 1e-9) + 1;
}

/** Median frame rate (Hz) of timestamps in ms; robust to a few dropped frames. */
export function estimateFrameRate(times: ArrayLike<number>): number {
  const dt = new Float64Array(Math.max(0, times.length - 1));
  for (let i = 1; i < times.length; i++) dt[i - 1] = times[i] - times[i - 1];
  const m = median(dt);
  return m > 0 ? 1000 / m : Number.NaN;
}

/**
 * Resample an interleaved multi-channel trace (`channels` values per timestamp) onto the grid
 * t_k = times[0] + k*1000/rate, k < out.length/channels. Timestamps must be non-decreasing (ms).
 */
export function resampleLinear(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  channels: number,
  rate: number,
  out: Float64Array,
): Float64Array {
  const n = times.length;
  if (n < 2) throw new SignalError('signal_too_short', 'resampling needs at least two samples');
  if (values.length < n * channels) throw new SignalError('signal_bad_input', 'values shorter than times x channels');
  if (!(rate > 0)) throw new SignalError('signal_bad_option', `rate must be positive, got ${rate}`);
  const m = Math.floor(out.length / channels);
  const t0 = times[0];
  const step = 1000 / rate;
  let j = 0;
  for (let k = 0; k < m; k++) {
    const t = t0 + k * step;
    while (j < n - 2 && times[j + 1] < t) j++;
    const ta = times[j], tb = times[j + 1];
    let w = tb > ta ? (t - ta) / (tb - ta) : 0;
    if (w < 0) w = 0; else if (w > 1) w = 1;
    for (let c = 0; c < channels; c++) {
      const a = values[j * channels + c], b = values[(j + 1) * channels + c];
      out[k * channels + c] = a + (b - a) * w;
    }
  }
  return out;
}

/** Pull one channel out of an interleaved buffer. */
export function deinterleave(values: ArrayLike<number>, channels: number, channel: number, out: Float64Array): Float64Array {
  const n = Math.min(out.length, Math.floor(values.length / channels));
  for (let i = 0; i < n; i++) out[i] = values[i * channels + channel];
  return out;
}
