// Facial expression dynamics: how much the face changes shape in ways a flat picture cannot.
// A photo, a print or a still on a screen moves as one plane: after an affine alignment on the
// rigid points of the face (eye corners, nose) its eyelids, lips and brows stay where they were,
// up to the landmarker's jitter and a little perspective. A live face blinks, talks, breathes and
// turns, which moves those points against the rigid frame. The measure is independent of the
// pulse (colour), the CNN (texture) and the planarity of head motion (which needs the head to
// move): a person sitting still still blinks and moves their lips.
//
// Three numbers, each over the capture, robust to a few bad frames:
// - `residual`: the 90th percentile over frames of the RMS distance of the non-rigid points from
//   their median position, after aligning each frame's rigid points onto the median rigid shape
//   (least-squares affine), in inter-ocular units;
// - `eye_range`: the 5-95 % range of the eye aspect ratio over its median (a blink, a squint);
// - `mouth_range`: the 5-95 % range of the mouth opening over the mouth width (talking).
// `activity` is the largest of the three, each over the level a moved photo reached
// (EXPRESSION_SCALES): below 1 the face changed shape no more than a picture can.
import { interOcularDistance } from './inter-ocular.ts';
import type { FlatLandmarks } from './landmarks.ts';

/** Eye corners and the nose: points that move with the skull, not with an expression. */
export const RIGID_POINTS: readonly number[] = [33, 133, 362, 263, 1, 4, 6, 168, 197, 2, 98, 327];
/** Eyelids, lips and brows: the points an expression moves. */
export const NON_RIGID_POINTS: readonly number[] = [
  160, 158, 153, 144, 387, 385, 380, 373, // eyelids
  13, 14, 0, 17, 61, 291, // lips and mouth corners
  70, 105, 107, 336, 334, 300, // brows
];
/** Index of a landmark within a point list (x at 2k, y at 2k + 1). */
const at = (list: readonly number[], landmark: number) => list.indexOf(landmark);
const NR = {
  upperLip: at(NON_RIGID_POINTS, 13), lowerLip: at(NON_RIGID_POINTS, 14),
  mouthLeft: at(NON_RIGID_POINTS, 61), mouthRight: at(NON_RIGID_POINTS, 291),
};
/** Eye aspect ratio points (landmark-indices.ts RIGHT_EYE_EAR / LEFT_EYE_EAR): corners in the rigid list, lids in the other. */
const RIGHT_EAR = { corners: [at(RIGID_POINTS, 33), at(RIGID_POINTS, 133)], lids: [[at(NON_RIGID_POINTS, 160), at(NON_RIGID_POINTS, 144)], [at(NON_RIGID_POINTS, 158), at(NON_RIGID_POINTS, 153)]] };
const LEFT_EAR = { corners: [at(RIGID_POINTS, 263), at(RIGID_POINTS, 362)], lids: [[at(NON_RIGID_POINTS, 387), at(NON_RIGID_POINTS, 373)], [at(NON_RIGID_POINTS, 385), at(NON_RIGID_POINTS, 380)]] };
const dist = (a: Float64Array, i: number, b: Float64Array, j: number) => Math.hypot(a[2 * i] - b[2 * j], a[2 * i + 1] - b[2 * j + 1]);
/** (|p2 - p6| + |p3 - p5|) / (2 |p1 - p4|) on aligned rigid (`r`) and non-rigid (`s`) points. */
function alignedEar(r: Float64Array, s: Float64Array, eye: typeof RIGHT_EAR): number {
  const width = dist(r, eye.corners[0], r, eye.corners[1]);
  return width > 0 ? (dist(s, eye.lids[0][0], s, eye.lids[0][1]) + dist(s, eye.lids[1][0], s, eye.lids[1][1])) / (2 * width) : Number.NaN;
}

/**
 * Each measure's unit: about the most a picture moved by a hand reached on the recorded
 * presentations, rounded up (docs/CALIBRATION.md). Run 1 gave residual 0.018, eye range 0.15 and
 * mouth range 0.015; over every recorded run, the robustness runs included, they reached 0.0196,
 * 0.16 and 0.072 (a held print's mouth at 80 % scale), so the mouth's unit went from 0.05 to 0.08.
 * Set by hand; the fusion fit only weighs the feature.
 */
export const EXPRESSION_SCALES = { residual: 0.02, eye_range: 0.2, mouth_range: 0.08 } as const;
/** Fewer landmark frames than this say nothing about expression. */
export const EXPRESSION_MIN_FRAMES = 15;
/** Frames kept (a 30 s capture at 30 Hz). */
const MAX_FRAMES = 900;

export interface ExpressionSummary {
  frames: number;
  residual: number | null;
  eye_range: number | null;
  mouth_range: number | null;
  /** max of the three over their scales; null with too few frames. */
  activity: number | null;
}

export interface ExpressionAnalyzer {
  /** `iod`: the frame's inter-ocular distance in pixels, when the caller has it already. */
  add(lm: FlatLandmarks, width: number, height: number, iod?: number): void;
  summary(): ExpressionSummary;
  reset(): void;
}

function quantile(values: number[], q: number): number {
  const s = values.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

type Affine = [number, number, number, number, number, number];

/** Least-squares affine map taking `src` points onto `dst` (flat x,y arrays), or null when degenerate. */
export function fitAffine(src: ArrayLike<number>, dst: ArrayLike<number>): Affine | null {
  // Normal equations [x y 1]^T [x y 1] c = [x y 1]^T x', solved once per output coordinate.
  const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const bx = [0, 0, 0], by = [0, 0, 0];
  for (let k = 0; k < src.length; k += 2) {
    const r = [src[k], src[k + 1], 1];
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) m[3 * a + b] += r[a] * r[b];
      bx[a] += r[a] * dst[k];
      by[a] += r[a] * dst[k + 1];
    }
  }
  const det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
  if (!(Math.abs(det) > 1e-9)) return null;
  const solve = (v: number[]) => {
    const d = (c0: number[], c1: number[], c2: number[]) => c0[0] * (c1[1] * c2[2] - c2[1] * c1[2]) - c1[0] * (c0[1] * c2[2] - c2[1] * c0[2]) + c2[0] * (c0[1] * c1[2] - c1[1] * c0[2]);
    const col = (j: number) => [m[j], m[3 + j], m[6 + j]];
    return [d(v, col(1), col(2)) / det, d(col(0), v, col(2)) / det, d(col(0), col(1), v) / det];
  };
  const [a, b, c] = solve(bx);
  const [d, e, f] = solve(by);
  return [a, b, c, d, e, f];
}

const apply = (t: Affine, x: number, y: number): [number, number] => [t[0] * x + t[1] * y + t[2], t[3] * x + t[4] * y + t[5]];

export function createExpressionAnalyzer(): ExpressionAnalyzer {
  let rigid: Float64Array[] = [];
  let moving: Float64Array[] = [];
  let iods: number[] = [];
  const take = (lm: FlatLandmarks, idx: readonly number[], w: number, h: number) => {
    const p = new Float64Array(2 * idx.length);
    idx.forEach((i, k) => { p[2 * k] = lm[3 * i] * w; p[2 * k + 1] = lm[3 * i + 1] * h; });
    return p;
  };
  const medianShape = (shapes: Float64Array[]): Float64Array => {
    const out = new Float64Array(shapes[0].length);
    for (let k = 0; k < out.length; k++) out[k] = quantile(shapes.map((s) => s[k]), 0.5);
    return out;
  };

  return {
    add(lm, width, height, iod = interOcularDistance(lm, width, height)) {
      if (rigid.length >= MAX_FRAMES) return;
      const r = take(lm, RIGID_POINTS, width, height);
      const n = take(lm, NON_RIGID_POINTS, width, height);
      if (!(iod > 0) || r.some((v) => !Number.isFinite(v)) || n.some((v) => !Number.isFinite(v))) return;
      rigid.push(r);
      moving.push(n);
      iods.push(iod);
    },
    summary() {
      const frames = rigid.length;
      if (frames < EXPRESSION_MIN_FRAMES) return { frames, residual: null, eye_range: null, mouth_range: null, activity: null };
      // Two passes: align every frame's rigid points onto the first frame's and take the median
      // aligned shape (rigid and non-rigid) as the reference; then align onto the reference's
      // rigid points and measure where the non-rigid points are left.
      const mapped = (t: Affine | null, pts: Float64Array): Float64Array | null => {
        if (!t) return null;
        const out = new Float64Array(pts.length);
        for (let k = 0; k < pts.length; k += 2) [out[k], out[k + 1]] = apply(t, pts[k], pts[k + 1]);
        return out;
      };
      const onFirst = rigid.map((r) => fitAffine(r, rigid[0]));
      const refRigid = medianShape(rigid.map((r, i) => mapped(onFirst[i], r)).filter((x) => x !== null));
      const refMoving = medianShape(moving.map((m, i) => mapped(onFirst[i], m)).filter((x) => x !== null));
      const iod = iods[0]; // the reference is in the first frame's coordinates
      const residuals: number[] = [], eyes: number[] = [], mouths: number[] = [];
      for (let i = 0; i < frames; i++) {
        const t = fitAffine(rigid[i], refRigid);
        const s = mapped(t, moving[i]);
        const r = mapped(t, rigid[i]);
        if (!s || !r) continue;
        let sum = 0;
        for (let k = 0; k < s.length; k += 2) sum += (s[k] - refMoving[k]) ** 2 + (s[k + 1] - refMoving[k + 1]) ** 2;
        residuals.push(Math.sqrt(sum / (s.length / 2)) / iod);
        // Eye and mouth openings on the aligned points: a tilted picture's foreshortening is
        // affine and aligned away; an eyelid or a lip that moves is not.
        eyes.push((alignedEar(r, s, RIGHT_EAR) + alignedEar(r, s, LEFT_EAR)) / 2);
        mouths.push(dist(s, NR.upperLip, s, NR.lowerLip) / Math.max(1e-6, dist(s, NR.mouthLeft, s, NR.mouthRight)));
      }
      const residual = residuals.length ? quantile(residuals, 0.9) : null;
      const eyeMedian = quantile(eyes.filter(Number.isFinite), 0.5);
      const eye_range = eyeMedian > 0 ? (quantile(eyes.filter(Number.isFinite), 0.95) - quantile(eyes.filter(Number.isFinite), 0.05)) / eyeMedian : null;
      const mouth_range = quantile(mouths, 0.95) - quantile(mouths, 0.05);
      const parts = [
        residual === null ? 0 : residual / EXPRESSION_SCALES.residual,
        eye_range === null ? 0 : eye_range / EXPRESSION_SCALES.eye_range,
        mouth_range / EXPRESSION_SCALES.mouth_range,
      ];
      return { frames, residual, eye_range, mouth_range, activity: Math.max(...parts) };
    },
    reset() {
      rigid = []; moving = []; iods = [];
    },
  };
}
