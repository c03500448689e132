// The part of the light-challenge schedule a capture is scored on: revealed steps only, from
// their reveal on, and only where the answering frames reached the server in time.
import { describe, expect, it } from 'vitest';
import { MAX_COMMIT_DELAY_MS, scoredSchedule } from '../../../server/analysis/light-schedule.ts';

const schedule = [
  { start_ms: 1000, duration_ms: 600, rgb: [255, 0, 0] as [number, number, number] },
  { start_ms: 1600, duration_ms: 700, rgb: [0, 0, 255] as [number, number, number] },
  { start_ms: 2300, duration_ms: 500, rgb: [0, 255, 0] as [number, number, number] },
];
/** One chunk per second of 30 fps frames, from 0 to 4 s. */
const chunks = Array.from({ length: 4 }, (_, k) => ({ frames: Array.from({ length: 30 }, (_, i) => ({ t: k * 1000 + i * 33.3 })) }));
const onTime = chunks.map((_, k) => (k + 1) * 1000 + 1500);

describe('scoredSchedule', () => {
  it('keeps every step revealed ahead of its start and answered in time', () => {
    const r = scoredSchedule(schedule, [0, 1, 2].map((step) => ({ step, revealed_at_ms: schedule[step].start_ms - 250 })), chunks as never, onTime, 400);
    expect(r.schedule).toEqual(schedule);
    expect(r.diagnostics).toMatchObject({ steps: 3, revealed: 3, revealed_late: 0, committed_late: 0, reveal_lead_ms: [-250, -250, -250] });
  });

  it('drops a step never revealed and scores a late one from its reveal on', () => {
    const r = scoredSchedule(schedule, [{ step: 0, revealed_at_ms: 1200 }, { step: 2, revealed_at_ms: 2000 }], chunks as never, onTime, 400);
    expect(r.schedule).toEqual([{ ...schedule[0], start_ms: 1200, duration_ms: 400 }, schedule[2]]);
    expect(r.diagnostics).toMatchObject({ revealed: 2, revealed_late: 1 });
    // Revealed after its end: nothing of it can be scored.
    expect(scoredSchedule(schedule, [{ step: 0, revealed_at_ms: 1700 }], chunks as never, onTime, 400).schedule).toEqual([]);
  });

  it('drops steps whose answering frames arrived long after the colour was shown', () => {
    // Everything uploaded at once, 10 s after the start: rendered after the fact, for all it shows.
    const late = chunks.map(() => 10_000);
    const r = scoredSchedule(schedule, [0, 1, 2].map((step) => ({ step, revealed_at_ms: schedule[step].start_ms - 250 })), chunks as never, late, 400);
    expect(r.schedule).toEqual([]);
    expect(r.diagnostics.committed_late).toBe(3);
    expect(Math.min(...r.diagnostics.commit_delay_ms)).toBeGreaterThan(MAX_COMMIT_DELAY_MS);
  });
});
