/**
 * rPPG accuracy on real recordings.
 *   npm run eval:rppg -- <dir with manifest.json> [--json] [--per-item] [--grid N] [--method pos|chrom|green]
 * Kinds: frames-npy (uint8 face frames + timestamps [+ contact PPG]) and skin-crop-video (videos
 * decoded with ffmpeg). The manifest lists the files; nothing here names a file of our sets.
 * skin-crop-video items of one recording (id = <recording>_<region>, same truth) are fused as
 * ROIs of one face unless --per-item is given. Each frame is split into a grid of cells
 * (--grid N: N×N, default 8 for frames-npy = every pixel of an 8x8 frame, 4 for videos; --grid 1
 * = one whole-frame mean) and every cell is an ROI for the SNR-weighted fusion.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { estimateHeartRate, estimateSignalHeartRate, createPulseEstimator, PULSE_METHODS, type PulseMethod } from '../../workers/signal/index.ts';
import { readFramesNpy } from './lib/frames-npy.ts';
import { readRppgManifest, recordingOf, type RppgManifest, type SkinCropItem } from './lib/manifest.ts';
import { summarize, type EvalItem, type EvalSummary } from './lib/metrics.ts';
import { decodeMeanRgb } from './lib/video.ts';

export interface WindowEval {
  id: string;
  window_s: number;
  hop_s: number;
  windows: number;
  /** Offline estimator on each window vs the contact PPG's rate on the same window. */
  mae: number;
  /** Streaming estimator (causal) at the end of each window vs the same reference. */
  streaming_mae: number;
  streaming_windows: number;
}

export interface RppgEvalResult {
  items: EvalItem[];
  summary: EvalSummary;
  windows?: WindowEval[];
}

export interface RppgEvalOptions {
  method?: PulseMethod;
  perItem?: boolean;
  /** Cells per side; undefined: 8 for frames-npy, 4 for skin-crop-video. */
  grid?: number;
  windowSeconds?: number;
  hopSeconds?: number;
  log?: (line: string) => void;
}

function slice(times: Float64Array, values: Float64Array, stride: number, fromMs: number, toMs: number): { t: Float64Array; v: Float64Array } {
  let a = 0;
  while (a < times.length && times[a] < fromMs) a++;
  let b = a;
  while (b < times.length && times[b] <= toMs) b++;
  return { t: times.subarray(a, b), v: values.subarray(a * stride, b * stride) };
}

function windowEval(id: string, times: Float64Array, traces: Float64Array[], ppg: Float64Array, method: PulseMethod, windowS: number, hopS: number): WindowEval {
  const errs: number[] = [];
  const t0 = times[0], tEnd = times[times.length - 1];
  const refAt = new Map<number, number>();
  for (let start = t0; start + windowS * 1000 <= tEnd + 1e-6; start += hopS * 1000) {
    const end = start + windowS * 1000;
    const cams = traces.map((tr) => slice(times, tr, 3, start, end));
    const ref = slice(times, ppg, 1, start, end);
    const truth = estimateSignalHeartRate(ref.t, ref.v, { segmentSeconds: windowS }).bpm;
    const est = estimateHeartRate(cams[0].t, cams.map((c) => c.v), { method, segmentSeconds: windowS }).bpm;
    errs.push(Math.abs(est - truth));
    refAt.set(Math.round(end), truth);
  }
  // Streaming: feed frames in order; at each window end compare its latest estimate.
  const stream = createPulseEstimator({ sampleRate: 30, windowSeconds: windowS, rois: traces.length });
  const frame = new Float64Array(3 * traces.length);
  const sErr: number[] = [];
  const ends = [...refAt.keys()].sort((p, q) => p - q);
  let e = 0;
  for (let i = 0; i < times.length; i++) {
    traces.forEach((tr, r) => { frame[3 * r] = tr[3 * i]; frame[3 * r + 1] = tr[3 * i + 1]; frame[3 * r + 2] = tr[3 * i + 2]; });
    stream.push(times[i], frame);
    while (e < ends.length && (i + 1 >= times.length || times[i + 1] > ends[e])) {
      const est = stream.estimate();
      if (est) sErr.push(Math.abs(est.bpm - (refAt.get(ends[e]) as number)));
      e++;
    }
  }
  const mean = (a: number[]): number => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : Number.NaN);
  return { id, window_s: windowS, hop_s: hopS, windows: errs.length, mae: mean(errs), streaming_mae: mean(sErr), streaming_windows: sErr.length };
}

function toItem(id: string, truth: number, r: { bpm: number; snr_db: number; confident: boolean }): EvalItem {
  return { id, truth_bpm: truth, estimate_bpm: r.bpm, snr_db: r.snr_db, confident: r.confident };
}

export async function evaluateRppgDir(dir: string, options: RppgEvalOptions = {}): Promise<RppgEvalResult> {
  const log = options.log ?? (() => {});
  const method = options.method ?? 'pos';
  const manifest: RppgManifest = await readRppgManifest(dir);
  const items: EvalItem[] = [];
  const windows: WindowEval[] = [];
  if (manifest.kind === 'frames-npy') {
    let k = 0;
    for (const item of manifest.items) {
      log(`[${++k}/${manifest.items.length}] ${item.id}`);
      const rec = await readFramesNpy(dir, item, options.grid ?? 8);
      const traces = rec.cells.length ? rec.cells : [rec.rgb];
      const r = estimateHeartRate(rec.times, traces, { method });
      const truth = item.truth?.heart_rate_bpm ?? (rec.ppg ? estimateSignalHeartRate(rec.times, rec.ppg).bpm : Number.NaN);
      items.push(toItem(item.id, truth, r));
      if (rec.ppg) windows.push(windowEval(item.id, rec.times, traces, rec.ppg, method, options.windowSeconds ?? 10, options.hopSeconds ?? 1));
    }
  } else {
    const groups = new Map<string, SkinCropItem[]>();
    for (const item of manifest.items) {
      const key = options.perItem ? item.id : recordingOf(item);
      const g = groups.get(key) ?? [];
      g.push(item);
      groups.set(key, g);
    }
    let k = 0;
    for (const [key, group] of groups) {
      const truths = new Set(group.map((i) => i.truth?.heart_rate_bpm));
      // Items that disagree on truth are not one recording: evaluate them one by one.
      const sets = truths.size === 1 ? [group] : group.map((i) => [i]);
      for (const set of sets) {
        const id = set.length === 1 ? set[0].id : key;
        log(`[${++k}/${groups.size}] ${id} (${set.map((i) => i.region ?? i.id).join(', ')})`);
        const traces = [];
        for (const item of set) traces.push(await decodeMeanRgb(join(dir, item.file), options.grid ?? 4));
        const frames = Math.min(...traces.map((t) => t.times.length));
        const rois = traces.flatMap((t) => (t.cells.length ? t.cells : [t.rgb]));
        const r = estimateHeartRate(traces[0].times.subarray(0, frames), rois.map((c) => c.subarray(0, 3 * frames)), { method });
        items.push(toItem(id, set[0].truth?.heart_rate_bpm ?? Number.NaN, r));
      }
    }
  }
  const result: RppgEvalResult = { items, summary: summarize(items) };
  if (windows.length) result.windows = windows;
  return result;
}

function fmt(v: number | null, d = 1): string {
  return v === null || !Number.isFinite(v) ? '-' : v.toFixed(d);
}

function printTable(dir: string, r: RppgEvalResult): void {
  const out: string[] = [];
  out.push(`rPPG evaluation: ${dir}`);
  out.push(`${'id'.padEnd(22)} ${'truth'.padStart(6)} ${'est'.padStart(6)} ${'err'.padStart(6)} ${'snr dB'.padStart(7)}  confident`);
  for (const i of r.items) {
    out.push(`${i.id.padEnd(22)} ${fmt(i.truth_bpm).padStart(6)} ${fmt(i.estimate_bpm).padStart(6)} ${fmt(Math.abs(i.estimate_bpm - i.truth_bpm)).padStart(6)} ${fmt(i.snr_db, 2).padStart(7)}  ${i.confident ? 'yes' : 'no'}`);
  }
  const s = r.summary;
  out.push('');
  out.push(`MAE ${fmt(s.mae, 2)} bpm | RMSE ${fmt(s.rmse, 2)} bpm | within 5 bpm ${fmt(100 * s.within5, 0)} % | coverage ${fmt(100 * s.coverage, 0)} % | MAE confident ${fmt(s.mae_confident, 2)} bpm`);
  for (const w of r.windows ?? []) {
    out.push(`${w.id}: ${w.windows} windows of ${w.window_s} s (hop ${w.hop_s} s) vs contact PPG: MAE ${fmt(w.mae, 2)} bpm offline, ${fmt(w.streaming_mae, 2)} bpm streaming (${w.streaming_windows} windows)`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'per-item': { type: 'boolean', default: false },
      method: { type: 'string', default: 'pos' },
      grid: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    process.stderr.write('usage: npm run eval:rppg -- <dir with manifest.json> [--json] [--per-item] [--grid N] [--method pos|chrom|green]\n');
    process.exit(values.help ? 0 : 2);
  }
  const method = values.method as PulseMethod;
  if (!PULSE_METHODS.includes(method)) throw new Error(`unknown method ${values.method}`);
  const dir = resolve(positionals[0]);
  const grid = values.grid === undefined ? undefined : Number(values.grid);
  if (grid !== undefined && !(Number.isInteger(grid) && grid >= 1)) throw new Error(`--grid must be a positive integer, got ${values.grid}`);
  const result = await evaluateRppgDir(dir, { method, perItem: values['per-item'], grid, log: (l) => process.stderr.write(l + '\n') });
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else printTable(dir, result);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('test/eval/rppg.ts')) {
  main().catch((e: unknown) => {
    process.stderr.write(`eval:rppg failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
