// Frame-rate and jitter statistics from capture timestamps (ms).

export interface FrameTimingStats {
  frames: number;
  duration_ms: number;
  /** Frames per second over the whole span. */
  fps: number;
  median_interval_ms: number;
  p95_interval_ms: number;
  max_gap_ms: number;
  /** Standard deviation of the intervals over their mean. */
  jitter_cv: number;
  /** Intervals longer than 1.5 median intervals: frames the camera or pipeline dropped. */
  dropped_frames: number;
  /** Intervals that are zero or negative: duplicated or reordered timestamps. */
  non_increasing: number;
}

export function frameTimingStats(timestamps: ArrayLike<number>): FrameTimingStats {
  const n = timestamps.length;
  const empty: FrameTimingStats = {
    frames: n, duration_ms: 0, fps: 0, median_interval_ms: 0, p95_interval_ms: 0,
    max_gap_ms: 0, jitter_cv: 0, dropped_frames: 0, non_increasing: 0,
  };
  if (n < 2) return empty;
  const intervals = new Float64Array(n - 1);
  let nonIncreasing = 0, sum = 0, sumSq = 0;
  for (let i = 1; i < n; i++) {
    const d = timestamps[i] - timestamps[i - 1];
    intervals[i - 1] = d;
    if (!(d > 0)) nonIncreasing++;
    sum += d;
    sumSq += d * d;
  }
  const mean = sum / (n - 1);
  const sorted = intervals.slice().sort();
  const median = sorted[(n - 1) >> 1];
  let dropped = 0;
  for (const d of intervals) if (d > 1.5 * median) dropped++;
  const duration = timestamps[n - 1] - timestamps[0];
  return {
    frames: n,
    duration_ms: duration,
    fps: duration > 0 ? ((n - 1) * 1000) / duration : 0,
    median_interval_ms: median,
    p95_interval_ms: sorted[Math.min(n - 2, Math.floor(0.95 * (n - 1)))],
    max_gap_ms: sorted[n - 2],
    jitter_cv: mean > 0 ? Math.sqrt(Math.max(0, sumSq / (n - 1) - mean * mean)) / mean : 0,
    dropped_frames: dropped,
    non_increasing: nonIncreasing,
  };
}
