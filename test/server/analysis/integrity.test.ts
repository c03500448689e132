// Integrity of the evidence: reordered, duplicated, too long for the server's clock, incomplete
// sequences, chunks bound to another attempt.
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../../server/analysis/evidence.ts';
import type { FrameRecord } from '../../../workers/codec/index.ts';

const plan = { duration_ms: 6000, fps: 30, face_crop_size: 64, context_crop_scale: 4 };
const binding = { session_id: 's1', attempt_id: 'a1', nonce: 'n1' };

// Real JPEGs that differ frame to frame, like a camera's (encoded once: jpeg-js is slow).
const base = (() => {
  const size = 8;
  const data = new Uint8Array(size * size * 4);
  for (let p = 0; p < data.length; p++) data[p] = (p * 7) & 0xff;
  return new Uint8Array(jpeg.encode({ data, width: size, height: size }, 90).data);
})();
function crop(i: number): Uint8Array {
  // A different JPEG comment per frame: distinct bytes, same image.
  const comment = new TextEncoder().encode(`frame ${i}`);
  const out = new Uint8Array(base.length + comment.length + 4);
  out.set(base.subarray(0, 2));
  out.set([0xff, 0xfe, 0, comment.length + 2], 2);
  out.set(comment, 6);
  out.set(base.subarray(2), 6 + comment.length);
  return out;
}

function frames(n = 180, fps = 30): FrameRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    t: 20 + (i * 1000) / fps,
    lm: null,
    roi: new Float32Array(9),
    skin: new Uint32Array(3),
    box: new Float32Array([0.3, 0.3, 0.4, 0.4]),
    crop: crop(i),
  }));
}

const chunks = (n: number, patch: Partial<typeof binding> = {}) => Array.from({ length: n }, (_, seq) => ({ seq, ...binding, ...patch }));
const input = { plan, serverElapsedMs: 7000, binding };

describe('checkIntegrity', () => {
  it('passes a complete, monotonic capture that fits the server clock', () => {
    const r = checkIntegrity(frames(), input, chunks(6));
    expect(r).toMatchObject({ passed: true, reasons: [], frames: 180, duplicate_crops: 0 });
    expect(r.fps).toBeCloseTo(30, 0);
  });

  it('takes a capture the page extended within the plan, and says by how much', () => {
    const extended = { ...input, plan: { ...plan, extension_ms: 3000 }, serverElapsedMs: 10_000 };
    const r = checkIntegrity(frames(270), extended, chunks(9));
    expect(r).toMatchObject({ passed: true, reasons: [] });
    expect(r.extended_ms).toBeGreaterThan(2900);
    expect(checkIntegrity(frames(), input, chunks(6)).extended_ms).toBe(0);
  });

  it('refuses frames past the plan and its extension', () => {
    const noExtension = checkIntegrity(frames(210), { ...input, serverElapsedMs: 10_000 }, chunks(7));
    expect(noExtension.reasons).toContain('capture_too_long');
    const pastExtension = checkIntegrity(frames(300), { ...input, plan: { ...plan, extension_ms: 3000 }, serverElapsedMs: 12_000 }, chunks(10));
    expect(pastExtension.reasons).toEqual(['capture_too_long']);
  });

  it('rejects reordered frames', () => {
    const f = frames();
    [f[50], f[51]] = [f[51], f[50]];
    expect(checkIntegrity(f, input, chunks(6)).reasons).toContain('timestamps_not_monotonic');
  });

  it('reads a frame-rate conversion (every frame twice) as a camera artefact, not tampering', () => {
    const f = frames();
    for (let i = 1; i < f.length; i += 2) f[i].crop = f[i - 1].crop;
    const r = checkIntegrity(f, input, chunks(6));
    expect(r.passed).toBe(true);
    expect(r.repeats).toMatchObject({ kind: 'camera_repeats', adjacent: 90, recurring: 0 });
    expect(r.artefacts).toContain('repeated_frames');
    expect(r.repeats.distinct_fps).toBeCloseTo(15, 0);
  });

  it('tolerates a few repeated crops and says it saw them', () => {
    const f = frames();
    f[10].crop = f[9].crop;
    f[100].crop = f[99].crop;
    const r = checkIntegrity(f, input, chunks(6));
    expect(r.passed).toBe(true);
    expect(r.repeats.kind).toBe('camera_repeats');
    expect(r.artefacts).toEqual(['repeated_frames']);
  });

  it('rejects a frozen feed (the same crop for over a second)', () => {
    const f = frames();
    for (let i = 61; i < 100; i++) f[i].crop = f[60].crop;
    const r = checkIntegrity(f, input, chunks(6));
    expect(r.reasons).toContain('duplicated_frames');
    expect(r.repeats.kind).toBe('frozen');
  });

  it('rejects a replayed sequence (earlier frames played again)', () => {
    const f = frames();
    for (let i = 0; i < 40; i++) f[120 + i].crop = f[10 + i].crop;
    const r = checkIntegrity(f, input, chunks(6));
    expect(r.reasons).toContain('duplicated_frames');
    expect(r.repeats).toMatchObject({ kind: 'replayed_sequence', recurring: 40 });
  });

  it('reads 15-30 fps variable delivery as a camera artefact', () => {
    let t = 20;
    const f = frames(155).map((fr, i) => ({ ...fr, t: (t += i % 3 === 0 ? 66 : 33) }));
    const r = checkIntegrity(f, { ...input, serverElapsedMs: 9000, plan: { ...plan, duration_ms: 7000 } }, chunks(6));
    expect(r.passed).toBe(true);
    expect(r.artefacts).toContain('variable_frame_rate');
  });

  it('rejects timestamps beyond what the server saw', () => {
    // 6 s of frames but the server saw the attempt run for 2 s.
    expect(checkIntegrity(frames(), { ...input, serverElapsedMs: 2000 }, chunks(6)).reasons).toContain('timestamps_exceed_server_clock');
  });

  it('rejects a capture too short for the plan and a frame rate above it', () => {
    expect(checkIntegrity(frames(60), input, chunks(2)).reasons).toContain('capture_too_short');
    // 180 frames in 3 s: 60 fps against a 30 fps plan.
    const fast = checkIntegrity(frames(360, 60), { ...input, plan: { ...plan, duration_ms: 5000 } }, chunks(6));
    expect(fast.reasons).toContain('frame_rate_above_plan');
  });

  it('rejects a gap in the chunk sequence and chunks of another attempt', () => {
    const gap = chunks(6).filter((c) => c.seq !== 3);
    expect(checkIntegrity(frames(), input, gap).reasons).toContain('sequence_incomplete');
    const foreign = [...chunks(5), { seq: 5, ...binding, attempt_id: 'other' }];
    expect(checkIntegrity(frames(), input, foreign).reasons).toContain('chunk_binding_mismatch');
    const nonce = [...chunks(5), { seq: 5, ...binding, nonce: 'other' }];
    expect(checkIntegrity(frames(), input, nonce).reasons).toContain('chunk_binding_mismatch');
  });
});
