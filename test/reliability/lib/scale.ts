// How big the reliability suites run. The normal test run (`bash scripts/test.sh`) runs a small
// subset of every case; `npm run test:reliability` sets LIVEGATE_RELIABILITY=full and gets the
// full counts. Figures go to LIVEGATE_RELIABILITY_OUT/<suite>.json when that is set (the runner
// turns them into docs/RELIABILITY.md).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FULL = process.env.LIVEGATE_RELIABILITY === 'full';

/** The small count in the normal run, the full one under `npm run test:reliability`. */
export function scale(small: number, full: number): number {
  return FULL ? full : small;
}

/** Merges `figures` into this suite's figures file (when the runner asked for one). */
export function recordFigures(suite: string, figures: Record<string, unknown>): void {
  const dir = process.env.LIVEGATE_RELIABILITY_OUT;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${suite}.json`);
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    /* first figures of this suite */
  }
  writeFileSync(file, JSON.stringify({ ...current, ...figures }, null, 2));
}
