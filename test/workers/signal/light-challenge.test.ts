import { describe, expect, it } from 'vitest';
import { scoreLightChallenge, type LightChallengeStep } from '../../../workers/signal/light-challenge.ts';
import { createRandom } from './synthetic.ts';

const PALETTE: [number, number, number][] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [255, 0, 255], [0, 255, 255], [255, 255, 0]];

function randomSchedule(seed: number, totalMs = 6000): LightChallengeStep[] {
  const rnd = createRandom(seed);
  const steps: LightChallengeStep[] = [];
  let prev = -1;
  for (let t = 0; t < totalMs;) {
    let k = Math.floor(rnd.uniform() * PALETTE.length);
    if (k === prev) k = (k + 1) % PALETTE.length;
    prev = k;
    const d = 500 + Math.round(rnd.uniform() * 400);
    steps.push({ start_ms: t, duration_ms: d, rgb: PALETTE[k] });
    t += d;
  }
  return steps;
}

const lin = (v: number): number => Math.pow(v / 255, 2.2);

/** A face lit by ambient light plus the screen colour shown `latencyMs` earlier (camera and display delay). */
function litFace(schedule: LightChallengeStep[], latencyMs: number, seed: number, screenGain = 25) {
  const rnd = createRandom(seed);
  const times: number[] = [];
  const rgb: number[] = [];
  const skin = [0.75, 0.5, 0.4];
  for (let t = 0; t < 6500; t += 33.3 + (rnd.uniform() - 0.5) * 6) {
    const shown = schedule.find((s) => t - latencyMs >= s.start_ms && t - latencyMs < s.start_ms + s.duration_ms);
    const screen = shown ? shown.rgb.map(lin) : [0, 0, 0];
    times.push(t);
    for (let c = 0; c < 3; c++) {
      const ambient = 120 * (1 + 0.02 * Math.sin(t / 700));
      rgb.push(skin[c] * (ambient + screenGain * screen[c]) + rnd.gauss() * 0.8);
    }
  }
  return { times: Float64Array.from(times), rgb: Float64Array.from(rgb) };
}

describe('scoreLightChallenge', () => {
  it.each([0, 120, 300, 480])('passes a face lit by the screen (latency %i ms) and recovers the lag', (latency) => {
    const schedule = randomSchedule(latency + 1);
    const face = litFace(schedule, latency, 7);
    const r = scoreLightChallenge(schedule, face.times, face.rgb);
    expect(r.passed).toBe(true);
    expect(r.correlation).toBeGreaterThan(0.8);
    expect(Math.abs(r.lag_ms - latency)).toBeLessThanOrEqual(40);
  });

  it.each([650, 1000, 1500])('fails a recording shifted by %i ms', (shift) => {
    const schedule = randomSchedule(shift);
    const face = litFace(schedule, shift, 3);
    const r = scoreLightChallenge(schedule, face.times, face.rgb);
    expect(r.passed).toBe(false);
    expect(r.reason === 'lag_out_of_range' || r.reason === 'weak_response').toBe(true);
  });

  it('fails a face that follows an unrelated schedule', () => {
    for (const seed of [11, 12, 13, 14]) {
      const shown = randomSchedule(seed);
      const other = randomSchedule(seed + 1000);
      const face = litFace(other, 100, seed);
      const r = scoreLightChallenge(shown, face.times, face.rgb);
      expect(r.passed).toBe(false);
    }
  });

  it('fails a recording that ignores the screen', () => {
    const schedule = randomSchedule(21);
    const face = litFace(schedule, 100, 21, 0);
    const r = scoreLightChallenge(schedule, face.times, face.rgb);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('weak_response');
    expect(r.score).toBeLessThan(0.5);
  });

  it('refuses a one-colour schedule and too few frames', () => {
    const mono: LightChallengeStep[] = [{ start_ms: 0, duration_ms: 3000, rgb: [255, 255, 255] }];
    const face = litFace(mono, 100, 1);
    expect(scoreLightChallenge(mono, face.times, face.rgb).reason).toBe('schedule_uninformative');
    const schedule = randomSchedule(2);
    expect(scoreLightChallenge(schedule, [0, 33], [1, 1, 1, 1, 1, 1]).reason).toBe('too_few_frames');
  });
});
