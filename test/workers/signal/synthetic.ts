/** Synthetic face traces for the signal tests: a seeded PRNG, a skin model and camera jitter. */

import { createRandom } from '../../../workers/signal/random.ts';

export { createRandom };

export interface SyntheticFaceOptions {
  bpm: number | null; // null: no pulse
  seconds: number;
  fps?: number;
  /** Timestamp jitter, ms (uniform ±). */
  jitterMs?: number;
  /** Share of frames dropped. */
  dropRate?: number;
  /** Sensor noise, 0..255 units. */
  noise?: number;
  /** Relative pulse amplitude of the green channel. */
  amplitude?: number;
  /** Add motion: brightness swings and abrupt steps (head movement, shading). */
  motion?: boolean;
  seed?: number;
  /** Heart-rate variability: phase swing (rad) at 0.1 Hz; 0.3 rad = ±1.8 bpm. */
  hrvRad?: number;
  skin?: [number, number, number];
}

export interface SyntheticFace {
  times: Float64Array;
  rgb: Float64Array;
}

/** Skin's relative pulsatile strength per channel (Wang et al. 2017, normalised blood-volume signature). */
const PULSE_SIGNATURE = [0.33, 0.77, 0.53];

export function syntheticFace(o: SyntheticFaceOptions): SyntheticFace {
  const fps = o.fps ?? 30;
  const rnd = createRandom(o.seed ?? 1);
  const skin = o.skin ?? [175, 125, 105];
  const amp = o.amplitude ?? 0.004;
  const times: number[] = [];
  const rgb: number[] = [];
  const steps: { at: number; gain: number }[] = [];
  if (o.motion) for (let t = 1.5; t < o.seconds; t += 2 + 2 * rnd.uniform()) steps.push({ at: t, gain: (rnd.uniform() - 0.5) * 0.06 });
  const phase2 = rnd.uniform() * 2 * Math.PI;
  for (let i = 0; ; i++) {
    const tIdeal = (i * 1000) / fps;
    if (tIdeal > o.seconds * 1000) break;
    if (o.dropRate && i > 0 && rnd.uniform() < o.dropRate) continue;
    const t = Math.max(times.length ? times[times.length - 1] + 1 : 0, tIdeal + (rnd.uniform() - 0.5) * 2 * (o.jitterMs ?? 0));
    const ts = t / 1000;
    let pulse = 0;
    if (o.bpm !== null) {
      const f = o.bpm / 60;
      // Slight heart-rate variability and a second harmonic, as in a real pulse wave.
      const ph = 2 * Math.PI * f * ts + (o.hrvRad ?? 0.3) * Math.sin(2 * Math.PI * 0.1 * ts);
      pulse = Math.sin(ph) + 0.3 * Math.sin(2 * ph + phase2);
    }
    let light = 1 + 0.03 * Math.sin(2 * Math.PI * 0.05 * ts);
    if (o.motion) {
      light *= 1 + 0.02 * Math.sin(2 * Math.PI * 0.4 * ts);
      for (const s of steps) if (ts >= s.at) light *= 1 + s.gain;
    }
    times.push(t);
    for (let c = 0; c < 3; c++) {
      const v = light * skin[c] * (1 + amp * PULSE_SIGNATURE[c] * pulse / PULSE_SIGNATURE[1]) + (o.noise ?? 0.3) * rnd.gauss();
      rgb.push(v);
    }
  }
  return { times: Float64Array.from(times), rgb: Float64Array.from(rgb) };
}
