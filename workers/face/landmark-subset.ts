// The landmark subset that travels on the wire (docs/PROTOCOL.md, FrameRecord.lm): x,y of these
// points quantised to uint16 over the frame's width/height. It holds every point the server needs
// to recompute ROIs, eye aspect ratio, pose and planarity: the ROI polygon vertices, the EAR
// points, the face oval, nose, mouth corners, brows and iris centres.
import {
  FACE_OVAL, FOREHEAD_POLYGON, LANDMARK_COUNT, LEFT_CHEEK_POLYGON, LEFT_EYE_EAR,
  RIGHT_CHEEK_POLYGON, RIGHT_EYE_EAR,
} from './landmark-indices.ts';
import type { FlatLandmarks } from './landmarks.ts';

const EXTRA_POINTS = [
  1, 4, 6, 168, 197, 2, 98, 327, // nose ridge, tip, base
  61, 291, 0, 17, 13, 14, // mouth corners and midline
  70, 105, 107, 336, 334, 300, // brows
  468, 473, // iris centres
];

function buildSubset(): readonly number[] {
  const seen = new Set<number>();
  const list: number[] = [];
  for (const group of [FACE_OVAL, FOREHEAD_POLYGON, RIGHT_CHEEK_POLYGON, LEFT_CHEEK_POLYGON,
    RIGHT_EYE_EAR, LEFT_EYE_EAR, EXTRA_POINTS]) {
    for (const i of group) if (!seen.has(i)) { seen.add(i); list.push(i); }
  }
  return Object.freeze(list);
}

/** Fixed, ordered landmark indices sent per frame. Never reorder: it is part of protocol v1. */
export const LANDMARK_SUBSET: readonly number[] = buildSubset();
/** Length of FrameRecord.lm: x,y per subset point. */
export const LANDMARK_SUBSET_VALUES = LANDMARK_SUBSET.length * 2;

const QUANT_MAX = 65535;

/** Quantises x,y of the subset to uint16 over [0, 1] (values outside are clamped). */
export function quantizeLandmarkSubset(
  lm: FlatLandmarks,
  out: Uint16Array = new Uint16Array(LANDMARK_SUBSET_VALUES),
): Uint16Array {
  for (let k = 0; k < LANDMARK_SUBSET.length; k++) {
    const i = LANDMARK_SUBSET[k];
    out[2 * k] = quantize(lm[3 * i]);
    out[2 * k + 1] = quantize(lm[3 * i + 1]);
  }
  return out;
}

function quantize(v: number): number {
  if (!(v > 0)) return 0; // NaN and negatives
  if (v >= 1) return QUANT_MAX;
  return Math.round(v * QUANT_MAX);
}

/**
 * Expands a quantised subset back to the full flat layout: subset points get x,y (z stays NaN),
 * every other point is NaN. Geometry functions then run unchanged on the server.
 */
export function dequantizeLandmarkSubset(
  q: Uint16Array,
  out: FlatLandmarks = new Float32Array(LANDMARK_COUNT * 3),
): FlatLandmarks {
  if (q.length !== LANDMARK_SUBSET_VALUES) {
    throw new RangeError(`landmark subset needs ${LANDMARK_SUBSET_VALUES} values, got ${q.length}`);
  }
  out.fill(Number.NaN);
  for (let k = 0; k < LANDMARK_SUBSET.length; k++) {
    const i = LANDMARK_SUBSET[k];
    out[3 * i] = q[2 * k] / QUANT_MAX;
    out[3 * i + 1] = q[2 * k + 1] / QUANT_MAX;
  }
  return out;
}
