/**
 * Cuts the recorded frames into CaptureChunks of about `chunk_ms` each: frames wait here until
 * their crops are encoded and their landmarks had a chance to arrive; context and identity crops
 * ride with the chunk that covers them. Sequence numbers stay contiguous.
 */
import { encodeCaptureChunk, type CaptureChunk, type ContextCrop, type FrameRecord, type IdentityCrop } from '../codec/index.ts';
import type { CaptureStart } from './types.ts';

/** Chunks are cut this far behind the newest frame so that late landmarks can still attach. */
export const CHUNK_LAG_MS = 250;

export interface PendingFrame {
  record: FrameRecord;
  /** Settles when the frame's crops are encoded. */
  ready: Promise<void>;
  /** Epoch ms of the frame, to attach landmarks that arrive later. */
  key: number;
}

export interface PendingIdentity {
  crop: IdentityCrop;
  ready: Promise<void>;
}

export interface ChunkBatch {
  seq: number;
  frames: PendingFrame[];
  context: ContextCrop[];
  identity: PendingIdentity[];
}

export interface ChunkPlan {
  chunk_ms: number;
  max_frames_per_chunk: number;
  identity_crops?: number;
}

export interface Chunker {
  addFrame(frame: PendingFrame): void;
  addContext(crop: ContextCrop): void;
  addIdentity(crop: PendingIdentity): void;
  /** The record of the frame at epoch ms `key` while it waits here; null once it left in a chunk. */
  waiting(key: number): FrameRecord | null;
  /** Every whole chunk whose window ends by `upTo` (ms since start); Infinity flushes all. */
  cut(upTo: number): ChunkBatch[];
  /** Chunks cut so far. */
  readonly count: number;
}

export function createChunker(plan: ChunkPlan): Chunker {
  const pending: PendingFrame[] = [];
  let context: ContextCrop[] = [];
  const identity: PendingIdentity[] = [];
  let seq = 0;
  let boundary = 0;
  return {
    get count() {
      return seq;
    },
    addFrame(frame) {
      pending.push(frame);
    },
    addContext(crop) {
      context.push(crop);
    },
    addIdentity(crop) {
      identity.push(crop);
    },
    waiting(key) {
      return pending.find((p) => p.key === key)?.record ?? null;
    },
    cut(upTo) {
      const batches: ChunkBatch[] = [];
      for (;;) {
        if (pending.length === 0) return batches;
        const end = upTo === Infinity ? Infinity : boundary + plan.chunk_ms;
        if (end !== Infinity && end > upTo) return batches;
        let n = pending.findIndex((p) => p.record.t >= end);
        if (n === -1) n = pending.length;
        boundary = end === Infinity ? boundary : end;
        if (n === 0) continue; // a window with no frames: sequence numbers stay contiguous
        n = Math.min(n, plan.max_frames_per_chunk);
        const frames = pending.splice(0, n);
        const last = frames[frames.length - 1].record.t;
        const ctx = context.filter((c) => c.t <= last);
        context = context.filter((c) => c.t > last);
        batches.push({ seq: seq++, frames, context: ctx, identity: identity.splice(0, plan.identity_crops ?? 0) });
      }
    },
  };
}

/** Waits for a batch's crops and encodes it as one CaptureChunk within the plan's limits. */
export async function encodeBatch(start: CaptureStart, batch: ChunkBatch): Promise<Uint8Array> {
  await Promise.all([...batch.frames.map((p) => p.ready), ...batch.identity.map((c) => c.ready)]);
  const identity = batch.identity.map((c) => c.crop).filter((c) => c.crop.length > 0);
  const chunk: CaptureChunk = {
    v: 1,
    session_id: start.session_id,
    attempt_id: start.attempt_id,
    nonce: start.nonce,
    seq: batch.seq,
    frames: batch.frames.map((p) => p.record),
    context: batch.context,
    ...(identity.length ? { identity } : {}),
  };
  return encodeCaptureChunk(chunk, { limits: { maxBytes: start.plan.max_chunk_bytes, maxFrames: start.plan.max_frames_per_chunk } });
}
