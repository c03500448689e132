import { describe, expect, it } from 'vitest';
import { createFaceTrace, pulseSampleRate, PULSE_RATE_RANGE } from '../../../workers/capture/face-trace.ts';
import { DEFAULT_STREAM_SAMPLE_RATE } from '../../../workers/signal/index.ts';
import { syntheticFace } from '../signal/synthetic.ts';

/** Pushes a synthetic face into all three ROIs with equal skin counts. */
function feed(trace: ReturnType<typeof createFaceTrace>, face: { times: Float64Array; rgb: Float64Array }): void {
  const skin = Uint32Array.of(100, 100, 100);
  for (let i = 0; i < face.times.length; i++) {
    const rgb = face.rgb.subarray(3 * i, 3 * i + 3);
    trace.push(face.times[i], Float32Array.of(...rgb, ...rgb, ...rgb), skin);
  }
}

describe('pulse sample rate', () => {
  it("follows the camera's rate, whole, within the estimator's range", () => {
    expect(pulseSampleRate(30)).toBe(30);
    expect(pulseSampleRate(29.97)).toBe(30);
    expect(pulseSampleRate(60)).toBe(60);
    expect(pulseSampleRate(15)).toBe(15);
    expect(pulseSampleRate(5)).toBe(PULSE_RATE_RANGE.min);
    expect(pulseSampleRate(240)).toBe(PULSE_RATE_RANGE.max);
    expect(pulseSampleRate(Number.NaN)).toBe(DEFAULT_STREAM_SAMPLE_RATE);
    expect(pulseSampleRate(0)).toBe(DEFAULT_STREAM_SAMPLE_RATE);
  });
});

describe('face trace', () => {
  it.each([30, 60])('estimates the pulse of a 6 s capture from a %i fps camera', (fps) => {
    const face = syntheticFace({ bpm: 84, seconds: 6, fps, jitterMs: 3, noise: 0.2, seed: 31, hrvRad: 0.1 });
    const trace = createFaceTrace({ cameraFps: fps, durationMs: 6000 });
    feed(trace, face);
    const hr = trace.heartRate();
    expect(hr.failed).toBe(false);
    expect(Math.abs((hr.value?.bpm ?? 0) - 84)).toBeLessThanOrEqual(3);
  });

  it('skips frames without skin', () => {
    const trace = createFaceTrace({ cameraFps: 30, durationMs: 6000 });
    for (let i = 0; i < 180; i++) trace.push(i * 33.3, new Float32Array(9).fill(100), new Uint32Array(3));
    expect(trace.heartRate()).toEqual({ value: null, failed: false });
  });

  it('scores the light challenge only when there are steps', () => {
    const trace = createFaceTrace({ cameraFps: 30, durationMs: 6000 });
    feed(trace, syntheticFace({ bpm: 70, seconds: 6, seed: 2 }));
    expect(trace.lightChallenge(null)).toEqual({ value: null, failed: false });
    expect(trace.lightChallenge([])).toEqual({ value: null, failed: false });
    const scored = trace.lightChallenge([{ start_ms: 500, duration_ms: 1000, rgb: [255, 0, 0] }, { start_ms: 1500, duration_ms: 1000, rgb: [0, 0, 255] }]);
    expect(scored.failed).toBe(false);
    expect(scored.value).toHaveProperty('passed');
  });
});

describe("the server's pulse measure on the page's traces", () => {
  it('reads a clear pulse high and a flat face as no measure or a low one', () => {
    const clear = createFaceTrace({ cameraFps: 30, durationMs: 6000 });
    feed(clear, syntheticFace({ bpm: 72, seconds: 6, seed: 5, noise: 0.05 }));
    expect(clear.pulseZ().value).toBeGreaterThan(4);
    const flat = createFaceTrace({ cameraFps: 30, durationMs: 6000 });
    for (let i = 0; i < 180; i++) flat.push(i * 33.3, new Float32Array(9).fill(100), Uint32Array.of(50, 50, 50));
    const z = flat.pulseZ();
    expect(z.failed).toBe(false);
    expect(z.value === null || z.value < 4).toBe(true);
  });
});
