// Head pose (yaw, pitch, roll in degrees) from landmarks or from FaceLandmarker's facial
// transformation matrix. Conventions, in the image as captured (x right, y down, unmirrored):
// yaw > 0 when the nose turns towards the image's right, pitch > 0 when the face looks up,
// roll > 0 when the eye line turns clockwise on screen.
import { POSE_POINTS } from './landmark-indices.ts';
import type { FlatLandmarks } from './landmarks.ts';
import { eyeCentres } from './inter-ocular.ts';

export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
  /** Where it came from: 3D landmarks, 2D landmarks only (wire subset), or the matrix. */
  source: 'landmarks3d' | 'landmarks2d' | 'matrix';
}

const DEG = 180 / Math.PI;
/**
 * Frontal-face offsets of the nose tip from the eye midpoint in inter-ocular units, measured on
 * a real FaceLandmarker result (test/workers/face/fixtures, de-rotated with its matrix): it sits
 * 0.49 below the eye line and 0.76 in front of it.
 */
export const NOSE_DROP_IOD = 0.49;
export const NOSE_PROTRUSION_IOD = 0.76;

const eyes = new Float32Array(4);

/**
 * Pose from landmarks. Uses z (3D face axes) when the landmarks carry it, else a 2D model of the
 * nose tip's displacement (yaw and roll reliable; pitch approximate, within about 10 degrees).
 */
export function headPoseFromLandmarks(lm: FlatLandmarks, width: number, height: number): HeadPose {
  const c = eyeCentres(lm, width, height, eyes);
  const { noseTip, chin, foreheadTop, rightEyeOuter, rightEyeInner, leftEyeOuter, leftEyeInner } = POSE_POINTS;
  let xx = c[2] - c[0], xy = c[3] - c[1];
  const roll = Math.atan2(xy, xx) * DEG;
  const zs = [lm[3 * rightEyeOuter + 2], lm[3 * rightEyeInner + 2], lm[3 * leftEyeOuter + 2],
    lm[3 * leftEyeInner + 2], lm[3 * chin + 2], lm[3 * foreheadTop + 2]];
  if (zs.every(Number.isFinite)) {
    // Face axes: X from the subject's right eye to the left, Y from forehead to chin, Z = X x Y.
    let xz = ((zs[2] + zs[3]) / 2 - (zs[0] + zs[1]) / 2) * width;
    let n = Math.hypot(xx, xy, xz);
    xx /= n; xy /= n; xz /= n;
    let yx = (lm[3 * chin] - lm[3 * foreheadTop]) * width;
    let yy = (lm[3 * chin + 1] - lm[3 * foreheadTop + 1]) * height;
    let yz = (zs[4] - zs[5]) * width;
    const dot = yx * xx + yy * xy + yz * xz;
    yx -= dot * xx; yy -= dot * xy; yz -= dot * xz;
    n = Math.hypot(yx, yy, yz);
    yx /= n; yy /= n; yz /= n;
    // Forward (towards the camera) = -(X x Y).
    const fx = -(xy * yz - xz * yy);
    const fy = -(xz * yx - xx * yz);
    const fz = -(xx * yy - xy * yx);
    return {
      yaw: Math.atan2(fx, -fz) * DEG,
      pitch: Math.atan2(-fy, Math.hypot(fx, fz)) * DEG,
      roll,
      source: 'landmarks3d',
    };
  }
  // 2D: rotate the nose offset into the eye-line frame, then invert the nose model.
  const iod = Math.hypot(c[2] - c[0], c[3] - c[1]);
  const cos = (c[2] - c[0]) / iod, sin = (c[3] - c[1]) / iod;
  const mx = (c[0] + c[2]) / 2, my = (c[1] + c[3]) / 2;
  const ox = lm[3 * noseTip] * width - mx, oy = lm[3 * noseTip + 1] * height - my;
  const dx = ox * cos + oy * sin;
  const dy = -ox * sin + oy * cos;
  const yawRad = Math.atan(dx / (NOSE_PROTRUSION_IOD * iod));
  const iodFrontal = iod / Math.cos(yawRad);
  // dy / iod = A cos(p) - B sin(p) = R cos(p + phi)
  const r = Math.hypot(NOSE_DROP_IOD, NOSE_PROTRUSION_IOD);
  const phi = Math.atan2(NOSE_PROTRUSION_IOD, NOSE_DROP_IOD);
  const ratio = Math.max(-1, Math.min(1, dy / iodFrontal / r));
  return { yaw: yawRad * DEG, pitch: (Math.acos(ratio) - phi) * DEG, roll, source: 'landmarks2d' };
}

/**
 * Pose from FaceLandmarker's facialTransformationMatrixes[i].data: a 4x4 column-major matrix
 * from the canonical face model (x to the subject's left, y up, z out of the face) to an
 * OpenGL-style camera frame (y up, looking along -z).
 */
export function headPoseFromMatrix(m: ArrayLike<number>): HeadPose {
  // Face forward = R * (0, 0, 1) = third column; to image axes: flip y and z.
  const fx = m[8], fy = -m[9], fz = -m[10];
  return {
    yaw: Math.atan2(fx, -fz) * DEG,
    pitch: Math.atan2(-fy, Math.hypot(fx, fz)) * DEG,
    roll: Math.atan2(-m[1], m[0]) * DEG,
    source: 'matrix',
  };
}
