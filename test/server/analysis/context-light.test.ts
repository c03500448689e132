// The light challenge cross-checked on the context crops (server/analysis/context-light.ts).
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { contextFaceTrace, contextLightChallenge, CONTEXT_MIN_CORRELATION } from '../../../server/analysis/context-light.ts';
import type { LightChallengeStep } from '../../../workers/protocol/index.ts';

const schedule: LightChallengeStep[] = [
  { start_ms: 1000, duration_ms: 700, rgb: [255, 0, 0] },
  { start_ms: 1700, duration_ms: 700, rgb: [0, 0, 255] },
  { start_ms: 2400, duration_ms: 700, rgb: [0, 255, 0] },
  { start_ms: 3100, duration_ms: 700, rgb: [255, 0, 255] },
  { start_ms: 3800, duration_ms: 700, rgb: [255, 255, 0] },
  { start_ms: 4500, duration_ms: 700, rgb: [0, 255, 255] },
];
const SIDE = 160;

/** A context crop: a face-coloured centre on a grey background, lit by `light` (the centre only, or everywhere). */
function crop(light: number[] | null): Uint8Array {
  const rgba = new Uint8Array(SIDE * SIDE * 4);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const face = Math.abs(x - SIDE / 2) < 25 && Math.abs(y - SIDE / 2) < 25;
      const base = face ? [170, 120, 100] : [90, 90, 90];
      rgba.set([...base.map((v, c) => Math.min(255, v + (light ? 0.08 * light[c] : 0))), 255], 4 * (y * SIDE + x));
    }
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width: SIDE, height: SIDE }, 90).data);
}

function chunks(lit: boolean) {
  const context = Array.from({ length: 30 }, (_, i) => {
    const t = 200 + i * 200;
    const step = schedule.find((s) => t - 60 >= s.start_ms && t - 60 < s.start_ms + s.duration_ms);
    return { t, box: new Float32Array(4), crop: crop(lit && step ? step.rgb : null) };
  });
  return [{ context }];
}

describe('contextLightChallenge', () => {
  it('follows the schedule when the face in the context crops reflects it', () => {
    const r = contextLightChallenge(schedule, chunks(true), 4);
    expect(r).not.toBeNull();
    expect(r!.correlation).toBeGreaterThan(0.8);
  });

  it('stays under the threshold when only the face crops were made to follow it', () => {
    const r = contextLightChallenge(schedule, chunks(false), 4);
    expect(r === null || r.correlation < CONTEXT_MIN_CORRELATION).toBe(true);
  });

  it('has no opinion on too few context crops', () => {
    const few = [{ context: chunks(true)[0].context.slice(0, 5) }];
    expect(contextLightChallenge(schedule, few, 4)).toBeNull();
    expect(contextFaceTrace(few, 4).times).toHaveLength(5);
  });
});
