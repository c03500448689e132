/**
 * The face as the latest landmarks describe it, carried to every frame between landmark frames:
 * points, face box, ROI polygons in frame pixels, a smoothed face-centre speed and since when
 * the face is missing.
 */
import { computeFaceBox } from '../face/face-box.ts';
import type { FlatLandmarks } from '../face/landmarks.ts';
import { computeRoiPolygons, createRoiPolygons, type RoiPolygons } from '../face/roi-polygons.ts';

/** Weight of the previous speed in the face-centre speed (exponential smoothing). */
export const MOTION_SMOOTHING = 0.6;
/** Landmarks older than this no longer count as a face on the current frame. */
export const FACE_STALE_MS = 1500;

export interface FaceTrack {
  /** Latest landmarks with a face; null without one. */
  readonly points: FlatLandmarks | null;
  /** Epoch ms of the frame the landmarks came from. */
  readonly pointsAt: number;
  /** Frame size the polygons are in. */
  readonly width: number;
  readonly height: number;
  /** Face box, normalised [x, y, w, h]; valid when hasBox. */
  readonly box: Float32Array;
  readonly hasBox: boolean;
  /** ROI polygons in frame pixels; valid when polysValid. */
  readonly polys: RoiPolygons;
  readonly polysValid: boolean;
  /** Face-centre speed, frame widths per second. */
  readonly motion: number;
  /** Epoch ms the face went missing; 0 while present. */
  readonly missingSince: number;
  /** New landmarks (or none) for the frame at `at`, of size w x h. */
  apply(points: FlatLandmarks | null, at: number, w: number, h: number): void;
  /** Re-maps the current landmarks when the frame size changed. */
  fit(w: number, h: number): void;
  /** True when a fresh face is known at `at`. */
  present(at: number): boolean;
}

export function createFaceTrack(): FaceTrack {
  let prevCentre: { x: number; y: number; at: number } | null = null;
  const track = {
    points: null as FlatLandmarks | null,
    pointsAt: 0,
    width: 0,
    height: 0,
    box: new Float32Array(4),
    hasBox: false,
    polys: createRoiPolygons(),
    polysValid: false,
    motion: 0,
    missingSince: 0,
    apply(p: FlatLandmarks | null, at: number, w: number, h: number): void {
      track.points = p;
      track.pointsAt = at;
      track.width = w;
      track.height = h;
      const box = track.box;
      if (p && computeFaceBox(p, box)) {
        track.hasBox = true;
        track.polysValid = computeRoiPolygons(p, w, h, track.polys);
        const c = { x: box[0] + box[2] / 2, y: box[1] + box[3] / 2, at };
        if (prevCentre && at > prevCentre.at) {
          const v = Math.hypot(c.x - prevCentre.x, c.y - prevCentre.y) / ((at - prevCentre.at) / 1000);
          track.motion = track.motion * MOTION_SMOOTHING + v * (1 - MOTION_SMOOTHING);
        }
        prevCentre = c;
        track.missingSince = 0;
      } else {
        track.points = null;
        track.hasBox = false;
        track.polysValid = false;
        prevCentre = null;
        track.motion = 0;
        if (!track.missingSince) track.missingSince = at;
      }
    },
    fit(w: number, h: number): void {
      if (track.points && (track.width !== w || track.height !== h)) track.apply(track.points, track.pointsAt, w, h);
    },
    present(at: number): boolean {
      return track.hasBox && at - track.pointsAt < FACE_STALE_MS;
    },
  };
  return track;
}
