// Identity evidence of one capture: the page's identity crops, gated again on the landmarks
// (frontal, eyes open, large enough), aligned by the server itself onto the ArcFace template,
// checked for sharpness, and embedded. Runs in the analysis worker thread.
import jpeg from 'jpeg-js';
import type { CaptureChunk, IdentityCrop } from '../../workers/codec/index.ts';
import { alignFace, ALIGNED_SIZE } from '../../workers/face/align.ts';
import { identityFrameGate } from '../../workers/face/identity-gate.ts';
import { dequantizeLandmarkSubset } from '../../workers/face/landmark-subset.ts';
import { laplacianVariance } from '../../workers/face/sharpness.ts';
import type { FaceEmbedder } from './embed.ts';

/** Frames that enter a template or a comparison: at most this many, the sharpest first. */
export const MAX_IDENTITY_FRAMES = 5;
/** Fewer good frames than this make the comparison inconclusive. */
export const MIN_IDENTITY_FRAMES = 3;
/** Alignment fit (RMS px on the 112 template) above which the landmarks do not describe a face. */
const MAX_RESIDUAL_PX = 10;
/** Laplacian variance of the aligned grey face under which the crop counts as blurred. */
export const MIN_ALIGNED_SHARPNESS = 15;
/** Identity crops looked at per capture (the plan asks for fewer; this only bounds the work). */
const MAX_CONSIDERED = 16;

export interface IdentityEvidence {
  available: boolean;
  /** Unit-length embeddings of the frames used (at most MAX_IDENTITY_FRAMES). */
  embeddings: Float32Array[];
  considered: number;
  rejected: Record<string, number>;
  ms_per_embedding: number | null;
  reason?: string;
}

interface Candidate {
  rgb: Uint8ClampedArray;
  sharpness: number;
}

function grey(rgb: Uint8ClampedArray): Float32Array {
  const out = new Float32Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
  return out;
}

/** Aligns one identity crop; a reason string when it is refused. */
export function alignIdentityCrop(crop: IdentityCrop, frame: { width: number; height: number }, frameLm: Uint16Array | null): Candidate | string {
  // The crop's landmarks must be the frame's own when the frame carries them.
  if (frameLm && (frameLm.length !== crop.lm.length || frameLm.some((v, i) => v !== crop.lm[i]))) return 'landmarks_differ_from_frame';
  const lm = dequantizeLandmarkSubset(crop.lm);
  const gate = identityFrameGate(lm, frame.width, frame.height);
  if (!gate.ok) return gate.reason ?? 'gate';
  let image: { data: Uint8Array; width: number; height: number };
  try {
    image = jpeg.decode(crop.crop, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 1, maxMemoryUsageInMB: 32 });
  } catch {
    return 'undecodable';
  }
  const aligned = alignFace({ data: image.data, width: image.width, height: image.height, channels: 4 }, lm, crop.box);
  if (!aligned) return 'landmarks_missing';
  if (aligned.residual > MAX_RESIDUAL_PX) return 'alignment_poor';
  // The face must lie inside the crop: aligned points outside it would sample black.
  if (aligned.points.some(([x, y]) => x < 0 || y < 0 || x >= image.width || y >= image.height)) return 'face_outside_crop';
  const sharpness = laplacianVariance(grey(aligned.rgb), ALIGNED_SIZE, ALIGNED_SIZE);
  if (sharpness < MIN_ALIGNED_SHARPNESS) return 'blurred';
  return { rgb: aligned.rgb, sharpness };
}

export async function extractIdentityEvidence(
  embedder: FaceEmbedder | null,
  chunks: readonly CaptureChunk[],
  frame: { width: number; height: number },
): Promise<IdentityEvidence> {
  const crops = [...chunks].sort((a, b) => a.seq - b.seq).flatMap((c) => c.identity ?? []).slice(0, MAX_CONSIDERED);
  const rejected: Record<string, number> = {};
  if (!embedder) return { available: false, embeddings: [], considered: crops.length, rejected, ms_per_embedding: null, reason: 'model_missing' };
  const lmByTime = new Map<number, Uint16Array | null>();
  for (const c of chunks) for (const f of c.frames) lmByTime.set(f.t, f.lm);
  const candidates: Candidate[] = [];
  for (const crop of crops) {
    if (!lmByTime.has(crop.t)) {
      rejected.no_matching_frame = (rejected.no_matching_frame ?? 0) + 1;
      continue;
    }
    const result = alignIdentityCrop(crop, frame, lmByTime.get(crop.t) ?? null);
    if (typeof result === 'string') rejected[result] = (rejected[result] ?? 0) + 1;
    else candidates.push(result);
  }
  candidates.sort((a, b) => b.sharpness - a.sharpness);
  const chosen = candidates.slice(0, MAX_IDENTITY_FRAMES);
  const started = performance.now();
  const embeddings: Float32Array[] = [];
  for (const c of chosen) embeddings.push(await embedder.embed(c.rgb));
  return {
    available: true,
    embeddings,
    considered: crops.length,
    rejected,
    ms_per_embedding: chosen.length ? (performance.now() - started) / chosen.length : null,
  };
}
