// Repeated face crops: camera artefacts or injected evidence? A real camera repeats a frame now
// and then (a frame-rate conversion such as 30.11 -> 30 fps, a browser delivering the same frame
// twice, a static H.264 region of a still face): isolated repeats or short runs right after the
// original. Those are quality signals. Two patterns a camera does not produce are tampering:
// a frozen feed (the same crop for a long stretch) and a replayed sequence (a run of frames that
// already appeared earlier, after other frames: a loop of recorded evidence).
import type { FrameRecord } from '../../workers/codec/index.ts';

/** Identical consecutive crops spanning at least this long are a frozen feed, not a camera. */
export const FROZEN_RUN_MS = 1000;
/** This many consecutive frames equal to earlier, non-adjacent frames are a replayed sequence. */
export const REPLAY_MIN_FRAMES = 5;

export type RepeatKind = 'none' | 'camera_repeats' | 'frozen' | 'replayed_sequence';

export interface RepeatReport {
  /** Frames identical to the frame just before them (camera or conversion repeats). */
  adjacent: number;
  /** Longest run of identical consecutive crops, ms from its first to its last frame. */
  longest_run_ms: number;
  /** Frames identical to an earlier frame that is not their immediate predecessor's run. */
  recurring: number;
  /** Longest stretch of consecutive recurring frames. */
  longest_recurring_run: number;
  /** What the repeats look like; only `frozen` and `replayed_sequence` are tampering. */
  kind: RepeatKind;
  /** Frames that are not repeats of any earlier frame over the capture time (fps of new content). */
  distinct_fps: number;
}

/** FNV-1a over the bytes plus the length: cheap, and collisions only matter for identical crops. */
export function cropFingerprint(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return `${bytes.length}:${(h >>> 0).toString(16)}`;
}

export function classifyRepeats(frames: readonly Pick<FrameRecord, 't' | 'crop'>[]): RepeatReport {
  const keys = frames.map((f) => cropFingerprint(f.crop));
  // First index at which each crop appeared.
  const first = new Map<string, number>();
  let adjacent = 0, recurring = 0, longestRunMs = 0, runStart = 0, recurringRun = 0, longestRecurring = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const same = i > 0 && keys[i - 1] === key;
    if (same) {
      adjacent++;
      longestRunMs = Math.max(longestRunMs, frames[i].t - frames[runStart].t);
    } else runStart = i;
    const seen = first.get(key);
    // Seen before, but not as part of the run this frame continues: the content came back.
    const recurs = seen !== undefined && !same;
    if (recurs) {
      recurring++;
      recurringRun++;
      longestRecurring = Math.max(longestRecurring, recurringRun);
    } else if (!same) recurringRun = 0;
    if (seen === undefined) first.set(key, i);
  }
  const duration = frames.length > 1 ? frames[frames.length - 1].t - frames[0].t : 0;
  const kind: RepeatKind = longestRecurring >= REPLAY_MIN_FRAMES
    ? 'replayed_sequence'
    : longestRunMs >= FROZEN_RUN_MS
      ? 'frozen'
      : adjacent + recurring > 0 ? 'camera_repeats' : 'none';
  return {
    adjacent,
    longest_run_ms: longestRunMs,
    recurring,
    longest_recurring_run: longestRecurring,
    kind,
    distinct_fps: duration > 0 ? ((first.size - 1) * 1000) / duration : 0,
  };
}
