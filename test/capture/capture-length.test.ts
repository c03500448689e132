// The page's side of adaptive capture length: when it asks, how long it waits, when it stops.
import { describe, expect, it } from 'vitest';
import { captureUntilSettled, END_MARGIN_MS, EXTENSION_LEAD_MS } from '../../capture/app/capture-length.ts';

/** Runs the loop with a virtual clock: the worker answers `steps` in turn, then 0. */
async function run(durationMs: number, steps: number[], cancelAfterAsks = Infinity) {
  let clock = 0;
  let asks = 0;
  const asked: number[] = [];
  const ends: number[] = [];
  const settled = await captureUntilSettled(durationMs, {
    sleep: async (ms) => {
      clock += ms;
    },
    extend: async () => {
      asks++;
      asked.push(clock);
      return steps.shift() ?? 0;
    },
    active: () => asks < cancelAfterAsks,
    extended: (total) => ends.push(total),
  });
  return { settled, clock, asked, ends };
}

describe('captureUntilSettled', () => {
  it('asks once, just before the planned end, and stops on time when the pulse is settled', async () => {
    const r = await run(6000, []);
    expect(r).toEqual({ settled: true, clock: 6000 + END_MARGIN_MS, asked: [6000 - EXTENSION_LEAD_MS], ends: [] });
  });

  it('goes on a step at a time while the worker extends, asking before each new end', async () => {
    const r = await run(6000, [1000, 1000, 500]);
    expect(r.ends).toEqual([7000, 8000, 8500]);
    expect(r.asked).toEqual([5750, 6750, 7750, 8250]);
    expect(r).toMatchObject({ settled: true, clock: 8500 + END_MARGIN_MS });
  });

  it('gives up when the capture was cancelled meanwhile', async () => {
    const r = await run(6000, [1000, 1000], 1);
    expect(r.settled).toBe(false);
    expect(r.ends).toEqual([7000]);
  });
});
