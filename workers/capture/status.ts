/** The guidance status the page shows (face box, brightness, motion, rates), built from the stages' state. */
import type { Cadence } from './cadence.ts';
import type { FaceTrack } from './face-track.ts';
import type { PipelineStatus } from './types.ts';

export interface StatusFrame {
  at: number;
  w: number;
  h: number;
  /** A fresh face on this frame. */
  face: boolean;
  brightness: number;
  roi: Float32Array;
}

export function pipelineStatus(
  f: StatusFrame,
  track: FaceTrack,
  cadence: Cadence,
  recording: { startEpochMs: number; frames: number; chunks: number } | null,
  withPoints: boolean,
): PipelineStatus {
  const box = track.box;
  const status: PipelineStatus = {
    at: f.at,
    width: f.w,
    height: f.h,
    face: f.face,
    box: f.face ? [box[0], box[1], box[2], box[3]] : null,
    brightness: f.brightness,
    motion: track.motion,
    roi: f.face ? Array.from(f.roi) : null,
    fps: cadence.fps(),
    landmark_hz: cadence.landmarkHz(),
    landmark_target_hz: cadence.targetHz,
    dropped: cadence.dropped,
    recording: recording ? { t: f.at - recording.startEpochMs, frames: recording.frames, chunks: recording.chunks } : null,
  };
  if (withPoints) {
    status.points = f.face && track.points ? track.points.slice() : null;
    status.rois_px = f.face && track.polysValid ? track.polys.map((p) => Array.from(p)) : [];
  }
  return status;
}
