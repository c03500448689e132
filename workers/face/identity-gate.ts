// Which frames are good enough for the identity embedding: frontal, eyes open, face large enough.
// The page uses it to choose the identity crops; the server applies it again to the landmarks it
// received (and a sharpness check on its own aligned crop) before embedding anything.
import { eyeAspectRatio } from './eye-aspect-ratio.ts';
import { headPoseFromLandmarks } from './head-pose.ts';
import { interOcularDistance } from './inter-ocular.ts';
import type { FlatLandmarks } from './landmarks.ts';

export const IDENTITY_GATE = {
  /** Degrees; genuine pairs drop to 0.15-0.3 similarity under head turns (models/README). */
  maxYaw: 20,
  maxPitch: 25,
  /** Mean eye aspect ratio: open eyes measure about 0.25-0.35. */
  minEar: 0.18,
  /** Inter-ocular distance in frame pixels: the template puts 35 px between the eyes. */
  minInterOcularPx: 28,
} as const;

export type IdentityGateReason = 'landmarks_missing' | 'not_frontal' | 'eyes_closed' | 'face_too_small';

export interface IdentityGateResult {
  ok: boolean;
  reason: IdentityGateReason | null;
  yaw: number;
  pitch: number;
  ear: number;
  interOcularPx: number;
}

export function identityFrameGate(lm: FlatLandmarks, width: number, height: number): IdentityGateResult {
  const pose = headPoseFromLandmarks(lm, width, height);
  const ear = eyeAspectRatio(lm, width, height);
  const iod = interOcularDistance(lm, width, height);
  const base = { yaw: pose.yaw, pitch: pose.pitch, ear, interOcularPx: iod };
  const fail = (reason: IdentityGateReason): IdentityGateResult => ({ ok: false, reason, ...base });
  if (![pose.yaw, pose.pitch, ear, iod].every(Number.isFinite)) return fail('landmarks_missing');
  if (Math.abs(pose.yaw) > IDENTITY_GATE.maxYaw || Math.abs(pose.pitch) > IDENTITY_GATE.maxPitch) return fail('not_frontal');
  if (ear < IDENTITY_GATE.minEar) return fail('eyes_closed');
  if (iod < IDENTITY_GATE.minInterOcularPx) return fail('face_too_small');
  return { ok: true, reason: null, ...base };
}

/** The identity crop's square region around a face box (normalised [x, y, w, h]), in frame pixels. */
export function identityCropRegion(box: ArrayLike<number>, width: number, height: number, scale = 1.6): { x: number; y: number; side: number } {
  const cx = (box[0] + box[2] / 2) * width;
  const cy = (box[1] + box[3] / 2) * height;
  const side = Math.max(box[2] * width, box[3] * height) * scale;
  return { x: cx - side / 2, y: cy - side / 2, side };
}
