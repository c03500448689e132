import type { LightChallengeStep } from '../protocol/light.ts';
import { SignalError } from './errors.ts';

/**
 * Light-challenge response: the page flashes random full-screen colours (docs/PROTOCOL.md
 * `light_challenge.schedule`); a real face in front of the screen reflects them, so its chroma
 * follows the displayed chroma a camera latency later. A replayed recording ignores the schedule
 * (or follows another one), an injected stream that tries to follow it is late.
 *
 * Model: face RGB ≈ ambient + k · screen light (linear), per channel. Both sides are reduced to
 * chromaticity (r/(r+g+b), b/(r+g+b)) so exposure and brightness drop out; the face side is
 * linearly detrended. For each lag L the displayed chroma at t - L is correlated (Pearson,
 * both chroma channels pooled after z-scoring) with the face chroma at t.
 * The decision needs a strong correlation at a lag within [0, maxLagMs] AND that no lag in the
 * wider search (up to `searchLagMs`) fits clearly better: a recording shifted past the allowed
 * latency peaks outside the window and fails even where its tail still overlaps.
 */

export type { LightChallengeStep };

export interface LightChallengeOptions {
  /** Largest camera/display latency accepted (ms). */
  maxLagMs?: number;
  /** Lags searched for the "does a later lag fit better" check (ms). */
  searchLagMs?: number;
  lagStepMs?: number;
  /** Pearson correlation needed to pass. */
  minCorrelation?: number;
  /** A lag outside the window beating the best inside by more than this fails the check. */
  outsideMargin?: number;
  minFrames?: number;
}

export const DEFAULT_LIGHT_CHALLENGE: Required<LightChallengeOptions> = {
  maxLagMs: 500,
  searchLagMs: 2000,
  lagStepMs: 10,
  minCorrelation: 0.5,
  outsideMargin: 0.05,
  minFrames: 10,
};

export type LightChallengeReason =
  | 'too_few_frames'
  | 'schedule_uninformative'
  | 'weak_response'
  | 'lag_out_of_range'
  /** The server's cross-check: the context crops' face did not answer as the face crops did. */
  | 'context_disagrees'
  /** ... or too few context crops fell in the scored steps to check it. */
  | 'context_missing';

export interface LightChallengeResult {
  passed: boolean;
  /** 0..1: the correlation at the best accepted lag, clipped at 0. */
  score: number;
  /** Best lag within [0, maxLagMs]. */
  lag_ms: number;
  correlation: number;
  /** Best lag over the whole search and its correlation (diagnostics). */
  best_lag_ms: number;
  best_correlation: number;
  frames_used: number;
  reason?: LightChallengeReason;
  /** The same score on the context crops' face, where the server compared (diagnostics). */
  context_correlation?: number;
}

/** sRGB (0..255) to linear light. */
function srgbToLinear(v: number): number {
  const x = Math.min(255, Math.max(0, v)) / 255;
  return x <= 0.04045 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
}

interface ChromaStep { start: number; end: number; cr: number; cb: number }

function displayedChroma(schedule: readonly LightChallengeStep[]): ChromaStep[] {
  return schedule
    .map((s) => {
      const r = srgbToLinear(s.rgb[0]), g = srgbToLinear(s.rgb[1]), b = srgbToLinear(s.rgb[2]);
      const sum = r + g + b;
      // Black shows no light: the face keeps the ambient chroma, taken as neutral.
      return { start: s.start_ms, end: s.start_ms + s.duration_ms, cr: sum > 0 ? r / sum : 1 / 3, cb: sum > 0 ? b / sum : 1 / 3 };
    })
    .sort((a, b) => a.start - b.start);
}

function stepAt(steps: ChromaStep[], t: number): ChromaStep | null {
  let lo = 0, hi = steps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = steps[mid];
    if (t < s.start) hi = mid - 1;
    else if (t >= s.end) lo = mid + 1;
    else return s;
  }
  return null;
}

function detrendLinear(x: Float64Array, t: Float64Array, n: number): void {
  let mt = 0, mx = 0;
  for (let i = 0; i < n; i++) { mt += t[i]; mx += x[i]; }
  mt /= n; mx /= n;
  let stt = 0, stx = 0;
  for (let i = 0; i < n; i++) { const dt = t[i] - mt; stt += dt * dt; stx += dt * (x[i] - mx); }
  const slope = stt > 0 ? stx / stt : 0;
  for (let i = 0; i < n; i++) x[i] -= mx + slope * (t[i] - mt);
}

/** Pooled Pearson correlation of displayed vs face chroma at one lag, over frames whose shifted time falls in the schedule. */
function correlationAtLag(steps: ChromaStep[], times: ArrayLike<number>, fr: Float64Array, fb: Float64Array, lag: number): { corr: number; frames: number } {
  let n = 0;
  let sdr = 0, sdb = 0, sfr = 0, sfb = 0;
  let sdr2 = 0, sdb2 = 0, sfr2 = 0, sfb2 = 0, sxr = 0, sxb = 0;
  for (let i = 0; i < times.length; i++) {
    const s = stepAt(steps, times[i] - lag);
    if (!s) continue;
    n++;
    sdr += s.cr; sdb += s.cb; sfr += fr[i]; sfb += fb[i];
    sdr2 += s.cr * s.cr; sdb2 += s.cb * s.cb; sfr2 += fr[i] * fr[i]; sfb2 += fb[i] * fb[i];
    sxr += s.cr * fr[i]; sxb += s.cb * fb[i];
  }
  if (n < 3) return { corr: 0, frames: n };
  const cov = (sxy: number, sx: number, sy: number): number => sxy / n - (sx / n) * (sy / n);
  const v = (sxx: number, sx: number): number => Math.max(0, sxx / n - (sx / n) ** 2);
  const vdr = v(sdr2, sdr), vdb = v(sdb2, sdb), vfr = v(sfr2, sfr), vfb = v(sfb2, sfb);
  // z-score each channel, then pool: mean of the per-channel correlations weighted by presence.
  let num = 0, channels = 0;
  if (vdr > 1e-12 && vfr > 0) { num += cov(sxr, sdr, sfr) / Math.sqrt(vdr * vfr); channels++; }
  if (vdb > 1e-12 && vfb > 0) { num += cov(sxb, sdb, sfb) / Math.sqrt(vdb * vfb); channels++; }
  return { corr: channels ? num / channels : 0, frames: n };
}

/**
 * Score the face's response to a light-challenge schedule.
 * times: frame timestamps (ms, same clock as the schedule's start_ms); rgb: interleaved face mean RGB.
 */
export function scoreLightChallenge(
  schedule: readonly LightChallengeStep[],
  times: ArrayLike<number>,
  rgb: ArrayLike<number>,
  options: LightChallengeOptions = {},
): LightChallengeResult {
  const o = { ...DEFAULT_LIGHT_CHALLENGE, ...options };
  const n = times.length;
  if (rgb.length < 3 * n) throw new SignalError('signal_bad_input', `rgb has ${rgb.length} values for ${n} frames`);
  const steps = displayedChroma(schedule);
  const fail = (reason: LightChallengeReason, frames = 0): LightChallengeResult => ({
    passed: false, score: 0, lag_ms: 0, correlation: 0, best_lag_ms: 0, best_correlation: 0, frames_used: frames, reason,
  });
  const distinct = new Set(steps.map((s) => `${s.cr.toFixed(3)},${s.cb.toFixed(3)}`));
  if (distinct.size < 2) return fail('schedule_uninformative');
  if (n < o.minFrames) return fail('too_few_frames', n);

  const fr = new Float64Array(n), fb = new Float64Array(n), t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    const sum = r + g + b;
    fr[i] = sum > 0 ? r / sum : 1 / 3;
    fb[i] = sum > 0 ? b / sum : 1 / 3;
    t[i] = times[i];
  }
  detrendLinear(fr, t, n);
  detrendLinear(fb, t, n);

  let inCorr = -Infinity, inLag = 0, inFrames = 0;
  let bestCorr = -Infinity, bestLag = 0;
  const searchTo = Math.max(o.searchLagMs, o.maxLagMs);
  for (let lag = 0; lag <= searchTo + 1e-9; lag += o.lagStepMs) {
    const { corr, frames } = correlationAtLag(steps, times, fr, fb, lag);
    if (frames < o.minFrames) continue;
    if (lag <= o.maxLagMs + 1e-9 && corr > inCorr) { inCorr = corr; inLag = lag; inFrames = frames; }
    if (corr > bestCorr) { bestCorr = corr; bestLag = lag; }
  }
  if (inCorr === -Infinity) return fail('too_few_frames');
  const result: LightChallengeResult = {
    passed: false,
    score: Math.max(0, Math.min(1, inCorr)),
    lag_ms: inLag,
    correlation: inCorr,
    best_lag_ms: bestLag,
    best_correlation: bestCorr,
    frames_used: inFrames,
  };
  if (inCorr < o.minCorrelation) result.reason = 'weak_response';
  else if (bestCorr > inCorr + o.outsideMargin) result.reason = 'lag_out_of_range';
  else result.passed = true;
  return result;
}
