// Adaptive capture length: the page's decision to go on past the planned end, and the recording
// that takes the extra frames.
import { describe, expect, it } from 'vitest';
import { EXTENSION_STEP_MS, nextExtension, pulseBorderline, PULSE_SETTLED_Z } from '../../../workers/capture/extension.ts';
import { createRecording } from '../../../workers/capture/recording.ts';
import { createStageClock } from '../../../workers/capture/summary.ts';
import type { PixelWindow } from '../../../workers/capture/surfaces.ts';
import type { CaptureStart } from '../../../workers/capture/types.ts';
import { syntheticFace } from '../signal/synthetic.ts';
import { fakeSurfaces } from './fake-surfaces.ts';

describe('pulse borderline', () => {
  it('is settled only with a measure at or above the settled z', () => {
    expect(pulseBorderline(9)).toBe(false);
    expect(pulseBorderline(PULSE_SETTLED_Z)).toBe(false);
    expect(pulseBorderline(PULSE_SETTLED_Z - 0.1)).toBe(true);
    expect(pulseBorderline(Number.NaN)).toBe(true);
    expect(pulseBorderline(null)).toBe(true);
  });

  it('extends a step at a time up to the bound, never past it, and not at all when settled', () => {
    expect(nextExtension(null, 0, 3000)).toBe(EXTENSION_STEP_MS);
    expect(nextExtension(1.5, 2500, 3000)).toBe(500);
    expect(nextExtension(null, 3000, 3000)).toBe(0);
    expect(nextExtension(null, 0, 0)).toBe(0);
    expect(nextExtension(9, 0, 3000)).toBe(0);
  });
});

const START_EPOCH = 1_700_000_000_000;
function start(extension_ms?: number, duration_ms = 3000): CaptureStart {
  return {
    session_id: 'ses_ext',
    attempt_id: 'att_ext',
    nonce: 'nonce-nonce-nonce-nonce',
    start_epoch_ms: START_EPOCH,
    plan: { duration_ms, fps: 30, chunk_ms: 1000, face_crop_size: 64, context_crop_size: 160, context_crop_scale: 4, frame_count: 0, max_chunk_bytes: 1 << 20, max_total_bytes: 1 << 24, max_frames_per_chunk: 90, ...(extension_ms === undefined ? {} : { extension_ms }) },
  };
}

/** Feeds `seconds` of frames whose ROI colours carry `face` (a pulse) or stay flat; returns the recording. */
function record(s: CaptureStart, seconds: number, pulse: boolean) {
  const surfaces = fakeSurfaces();
  const rec = createRecording(s, { surfaces, clock: createStageClock(), cameraFps: 30, emit: () => {} });
  const win: PixelWindow = { x: 0, y: 0, w: 64, h: 64, canvas: surfaces.canvas(64, 64), rgba: null };
  const face = syntheticFace({ bpm: 72, seconds, fps: 30, seed: 7, noise: 0.05 });
  for (let i = 0; i < face.times.length; i++) {
    const rgb = pulse ? face.rgb.subarray(3 * i, 3 * i + 3) : [120, 90, 80];
    const t = face.times[i];
    rec.frame({ win, t, at: START_EPOCH + t, w: 64, h: 64, roi: Float32Array.of(...rgb, ...rgb, ...rgb), skin: Uint32Array.of(50, 50, 50), face: true, box: Float32Array.of(0.3, 0.3, 0.4, 0.4) }, null);
  }
  return rec;
}

describe('recording extension', () => {
  it('goes on while there is no pulse, a step at a time, up to the plan\'s extension', () => {
    const rec = record(start(2500), 3, false);
    expect(rec.endMs).toBe(3000);
    expect([rec.extend(), rec.extend(), rec.extend(), rec.extend()]).toEqual([1000, 1000, 500, 0]);
    expect(rec.endMs).toBe(5500);
  });

  it('reports the extension it took and the pulse z it last decided on', async () => {
    const rec = record(start(3000, 6000), 6, true);
    expect(rec.extend()).toBe(0);
    const summary = await rec.stop(null, () => ({ fps: 30, landmarkHz: 10, timings: createStageClock().timings() }));
    expect(summary.extension.ms).toBe(0);
    expect(summary.extension.pulse_z).toBeGreaterThanOrEqual(PULSE_SETTLED_Z);
  });

  it('ends on time when the pulse is settled', () => {
    const rec = record(start(3000, 6000), 6, true);
    expect(rec.extend()).toBe(0);
    expect(rec.endMs).toBe(6000);
  });


  it('never extends a plan without an extension', () => {
    const rec = record(start(), 3, false);
    expect(rec.extend()).toBe(0);
    expect(rec.endMs).toBe(3000);
  });
});
