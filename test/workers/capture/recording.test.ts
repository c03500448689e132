import { describe, expect, it } from 'vitest';
import { decodeCaptureChunk } from '../../../workers/codec/index.ts';
import type { CnnScore } from '../../../workers/cnn.worker.ts';
import { createRecording, type CnnScorer } from '../../../workers/capture/recording.ts';
import { createStageClock } from '../../../workers/capture/summary.ts';
import type { PixelWindow } from '../../../workers/capture/surfaces.ts';
import type { CaptureStart } from '../../../workers/capture/types.ts';
import { loadAstronaut } from '../face/fixture.ts';
import { fakeSurfaces } from './fake-surfaces.ts';

const fx = loadAstronaut();
const W = fx.width, H = fx.height;
const START_EPOCH = 1_700_000_000_000;

function capture(): CaptureStart {
  return {
    session_id: 'ses_rec',
    attempt_id: 'att_rec',
    nonce: 'nonce-nonce-nonce-nonce',
    start_epoch_ms: START_EPOCH,
    plan: { duration_ms: 3000, fps: 30, chunk_ms: 1000, face_crop_size: 64, context_crop_size: 160, context_crop_scale: 4, frame_count: 3, max_chunk_bytes: 1 << 20, max_total_bytes: 1 << 24, max_frames_per_chunk: 90 },
  };
}

/** Runs a 3 s capture at 30 fps with a face on every frame; returns what the page received. */
async function run(scoreCnn: CnnScorer | null, emitFails = false) {
  const surfaces = fakeSurfaces();
  const emitted: { seq: number; bytes: Uint8Array; frames: number }[] = [];
  const clock = createStageClock();
  const rec = createRecording(capture(), {
    surfaces,
    clock,
    cameraFps: 30,
    emit: (seq, bytes, frames) => {
      if (emitFails && seq === 1) throw new Error('upload channel closed');
      emitted.push({ seq, bytes, frames });
    },
  });
  const win: PixelWindow = { x: 0, y: 0, w: W, h: H, canvas: surfaces.canvas(W, H), rgba: null };
  const box = Float32Array.of(0.35, 0.25, 0.3, 0.4);
  for (let i = 0; i < 90; i++) {
    const t = (i * 1000) / 30;
    const at = START_EPOCH + t;
    rec.frame({ win, t, at, w: W, h: H, roi: new Float32Array(9).fill(120), skin: Uint32Array.of(50, 50, 50), face: true, box }, scoreCnn);
    if (i % 3 === 0) rec.landmarks(at, fx.landmarks); // landmarks arrive for every third frame, while it waits
    if (i === 10) rec.dropped(2);
  }
  const summary = await rec.stop(null, () => ({ fps: 30, landmarkHz: 10, timings: clock.timings() }));
  return { summary, emitted, clock };
}

describe('recording', () => {
  it('sends every frame once, in order, in contiguous chunks the server decodes', async () => {
    const { summary, emitted } = await run(null);
    expect(emitted.map((c) => c.seq)).toEqual([0, 1, 2]);
    const chunks = emitted.map((c) => decodeCaptureChunk(c.bytes));
    const times = chunks.flatMap((c) => c.frames.map((f) => f.t));
    expect(times).toHaveLength(90);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const c of chunks) expect(c).toMatchObject({ session_id: 'ses_rec', attempt_id: 'att_rec', nonce: 'nonce-nonce-nonce-nonce' });
    expect(chunks.every((c) => c.frames.every((f) => f.crop.length > 0))).toBe(true);
    // One context crop per second of the plan, each in the chunk covering it.
    expect(chunks.map((c) => c.context.length)).toEqual([1, 1, 1]);
    expect(chunks.flatMap((c) => c.frames.filter((f) => f.lm !== null))).toHaveLength(30);
    expect(summary).toMatchObject({ chunk_count: 3, frames: 90, face_frames: 90, landmark_frames: 30, dropped_frames: 2, fps: 30, landmark_hz: 10 });
    expect(summary.bytes).toBe(emitted.reduce((s, c) => s + c.bytes.byteLength, 0));
    expect(summary.worker_errors).toEqual({ landmarks: 0, cnn: 0, frame: 0, frame_convert: 0, stream: 0, heart_rate: 0, light_challenge: 0 });
  });

  it('scores each context crop on the CNN and keeps the scores', async () => {
    const seen: number[] = [];
    const ok: CnnScorer = async (_px, t) => {
      seen.push(t);
      return { t, real: 0.9, ms: 12 } as unknown as CnnScore;
    };
    const { summary, clock } = await run(ok);
    expect(seen).toHaveLength(3);
    expect(summary.cnn.map((s) => s.t)).toEqual(seen);
    expect(clock.timings().cnn_ms).toBe(12);
  });

  it('counts a failing CNN call instead of swallowing it', async () => {
    let calls = 0;
    const failing: CnnScorer = async () => {
      calls++;
      throw new Error('cnn worker gone');
    };
    const { summary, emitted } = await run(failing);
    expect(calls).toBe(3);
    expect(summary.cnn).toEqual([]);
    expect(summary.worker_errors?.cnn).toBe(3);
    expect(emitted).toHaveLength(3); // the capture itself is unaffected
  });

  it('fails the capture when a chunk could not be handed over', async () => {
    await expect(run(null, true)).rejects.toThrow('upload channel closed');
  });
});
