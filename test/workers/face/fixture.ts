// The real FaceLandmarker result on astronaut.png (see fixtures/generate-landmarks.ts) and
// helpers to move it rigidly in 3D.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LandmarkFixture {
  width: number;
  height: number;
  landmarks: Float32Array;
  blendshapes: Record<string, number>;
  matrix: number[];
}

export function loadAstronaut(): LandmarkFixture {
  const raw = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/landmarks-astronaut.json'), 'utf8'));
  return { ...raw, landmarks: Float32Array.from(raw.landmarks) };
}

/**
 * Rotates landmarks rigidly about the face's centroid (yaw about the image vertical, pitch about
 * the horizontal, roll in the image plane; degrees, same signs as HeadPose) and projects them
 * orthographically, scaled by `scale` and shifted by (dx, dy) pixels. z is in pixels like
 * x (MediaPipe's z scale is the image width).
 */
export function moveRigid(
  f: LandmarkFixture,
  pose: { yaw?: number; pitch?: number; roll?: number; scale?: number; dx?: number; dy?: number },
): Float32Array {
  const { width: W, height: H, landmarks: lm } = f;
  const n = lm.length / 3;
  let cx = 0, cy = 0, cz = 0;
  for (let i = 0; i < n; i++) { cx += lm[3 * i] * W; cy += lm[3 * i + 1] * H; cz += lm[3 * i + 2] * W; }
  cx /= n; cy /= n; cz /= n;
  const r = Math.PI / 180;
  const a = (pose.yaw ?? 0) * r, b = (pose.pitch ?? 0) * r, c = (pose.roll ?? 0) * r;
  const s = pose.scale ?? 1;
  const out = new Float32Array(lm.length);
  for (let i = 0; i < n; i++) {
    let x = lm[3 * i] * W - cx, y = lm[3 * i + 1] * H - cy, z = lm[3 * i + 2] * W - cz;
    // yaw: nose (z < 0, towards camera) moves to +x for yaw > 0.
    [x, z] = [x * Math.cos(a) - z * Math.sin(a), x * Math.sin(a) + z * Math.cos(a)];
    // pitch: nose moves up (-y) for pitch > 0.
    [y, z] = [y * Math.cos(b) + z * Math.sin(b), -y * Math.sin(b) + z * Math.cos(b)];
    [x, y] = [x * Math.cos(c) - y * Math.sin(c), x * Math.sin(c) + y * Math.cos(c)];
    out[3 * i] = (cx + s * x + (pose.dx ?? 0)) / W;
    out[3 * i + 1] = (cy + s * y + (pose.dy ?? 0)) / H;
    out[3 * i + 2] = (cz + s * z) / W;
  }
  return out;
}
