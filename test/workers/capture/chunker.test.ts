import { describe, expect, it } from 'vitest';
import { decodeCaptureChunk, type ContextCrop, type FrameRecord } from '../../../workers/codec/index.ts';
import { createChunker, encodeBatch, type PendingFrame } from '../../../workers/capture/chunker.ts';
import type { CaptureStart } from '../../../workers/capture/types.ts';

const JPEG = Uint8Array.of(0xff, 0xd8, 0xff, 0xd9);

function frame(t: number): PendingFrame {
  const record: FrameRecord = { t, lm: null, roi: new Float32Array(9).fill(100), skin: Uint32Array.of(10, 10, 10), box: Float32Array.of(0.3, 0.3, 0.4, 0.4), crop: JPEG };
  return { record, ready: Promise.resolve(), key: 1_000_000 + t };
}

const context = (t: number): ContextCrop => ({ t, box: Float32Array.of(0.1, 0.1, 0.8, 0.8), crop: JPEG });

describe('chunker', () => {
  it('cuts whole chunk windows only, in order, with contiguous sequence numbers', () => {
    const c = createChunker({ chunk_ms: 1000, max_frames_per_chunk: 90 });
    for (let t = 0; t < 2500; t += 100) c.addFrame(frame(t));
    expect(c.cut(999)).toEqual([]);
    const first = c.cut(2100);
    expect(first.map((b) => b.seq)).toEqual([0, 1]);
    expect(first[0].frames.map((f) => f.record.t)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(first[1].frames[0].record.t).toBe(1000);
    const rest = c.cut(Infinity);
    expect(rest.map((b) => b.seq)).toEqual([2]);
    expect(rest[0].frames.map((f) => f.record.t)).toEqual([2000, 2100, 2200, 2300, 2400]);
    expect(c.count).toBe(3);
  });

  it('skips empty windows without leaving a gap in sequence numbers', () => {
    const c = createChunker({ chunk_ms: 1000, max_frames_per_chunk: 90 });
    c.addFrame(frame(100));
    c.addFrame(frame(3500));
    const batches = c.cut(4000);
    expect(batches.map((b) => [b.seq, b.frames.map((f) => f.record.t)])).toEqual([[0, [100]], [1, [3500]]]);
  });

  it('caps a chunk at the plan frame limit; the rest go in the next', () => {
    const c = createChunker({ chunk_ms: 1000, max_frames_per_chunk: 4 });
    for (let t = 0; t < 1000; t += 100) c.addFrame(frame(t));
    const batches = c.cut(Infinity);
    expect(batches.map((b) => b.frames.length)).toEqual([4, 4, 2]);
  });

  it('sends context crops with the chunk covering them and identity crops as the plan allows', () => {
    const c = createChunker({ chunk_ms: 1000, max_frames_per_chunk: 90, identity_crops: 1 });
    for (let t = 0; t < 2000; t += 100) c.addFrame(frame(t));
    c.addContext(context(500));
    c.addContext(context(1500));
    c.addIdentity({ crop: { t: 300, box: new Float32Array(4), lm: new Uint16Array(0), crop: JPEG }, ready: Promise.resolve() });
    c.addIdentity({ crop: { t: 600, box: new Float32Array(4), lm: new Uint16Array(0), crop: JPEG }, ready: Promise.resolve() });
    const [a, b] = c.cut(2000);
    expect(a.context.map((x) => x.t)).toEqual([500]);
    expect(b.context.map((x) => x.t)).toEqual([1500]);
    expect(a.identity.map((x) => x.crop.t)).toEqual([300]);
    expect(b.identity.map((x) => x.crop.t)).toEqual([600]);
  });

  it('gives a waiting frame its late landmarks, and none once it left', () => {
    const c = createChunker({ chunk_ms: 1000, max_frames_per_chunk: 90 });
    c.addFrame(frame(0));
    c.addFrame(frame(1200));
    expect(c.waiting(1_000_000)).not.toBeNull();
    c.cut(1000);
    expect(c.waiting(1_000_000)).toBeNull();
    expect(c.waiting(1_001_200)?.t).toBe(1200);
  });

  it('encodes a batch once its crops are ready, as a chunk the server decodes', async () => {
    const c = createChunker({ chunk_ms: 1000, max_frames_per_chunk: 90 });
    let release!: () => void;
    const late = frame(200);
    late.record.crop = new Uint8Array(0);
    late.ready = new Promise<void>((r) => (release = r)).then(() => {
      late.record.crop = JPEG;
    });
    c.addFrame(frame(100));
    c.addFrame(late);
    c.addContext(context(150));
    const [batch] = c.cut(Infinity);
    const start: CaptureStart = {
      session_id: 'ses_1',
      attempt_id: 'att_1',
      nonce: 'n'.repeat(24),
      start_epoch_ms: 0,
      plan: { duration_ms: 6000, fps: 30, chunk_ms: 1000, face_crop_size: 64, context_crop_size: 160, context_crop_scale: 4, frame_count: 6, max_chunk_bytes: 1 << 20, max_total_bytes: 1 << 24, max_frames_per_chunk: 90 },
    };
    const pending = encodeBatch(start, batch);
    release();
    const chunk = decodeCaptureChunk(await pending);
    expect(chunk).toMatchObject({ v: 1, session_id: 'ses_1', attempt_id: 'att_1', seq: 0 });
    expect(chunk.frames.map((f) => [f.t, f.crop.length])).toEqual([[100, 4], [200, 4]]);
    expect(chunk.context.map((x) => x.t)).toEqual([150]);
    expect(chunk.identity).toBeUndefined();
  });
});
