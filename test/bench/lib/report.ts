// Shared by the benchmark scripts: machine facts, medians, and one section of docs/BENCHMARKS.md
// rewritten in place (each bench owns the section between its markers).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BENCHMARKS_FILE = path.resolve(import.meta.dirname, '../../../docs/BENCHMARKS.md');

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Replaces (or appends) the section `## title` in docs/BENCHMARKS.md. */
export function writeBenchSection(title: string, body: string, file = BENCHMARKS_FILE): void {
  const begin = `<!-- bench:${title}:begin -->`;
  const end = `<!-- bench:${title}:end -->`;
  const section = `${begin}\n## ${title}\n\n${body.trim()}\n${end}`;
  let text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmarks\n\nEach section is written by its benchmark script (`npm run bench` runs them all); numbers are medians of repeated runs on the machine named in the section.\n';
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  text = start >= 0 && stop > start ? text.slice(0, start) + section + text.slice(stop + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, text);
}

/**
 * "0.42× anchor": a Livegate figure over the bare-library figure measured in the same run, so an
 * operator can scale it to their hardware by measuring only the anchor there.
 */
export function ratio(value: number, anchor: number): string {
  if (!(anchor > 0) || !Number.isFinite(value)) return '—';
  const r = value / anchor;
  return `${r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

/** 1-minute load average, for the section text (other work on the cores skews every rate). */
export function loadLine(): string {
  return `1-minute load average ${os.loadavg()[0].toFixed(1)}`;
}

/** User + system CPU seconds a process has used so far (Linux /proc; null elsewhere). */
export function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}
