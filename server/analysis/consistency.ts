// Consistency of the evidence with itself: what a camera pointed at a face produces always holds
// together; evidence fabricated through the capture API (noise crops carrying a made-up pulse,
// landmarks that never move, crops that do not show the face the landmarks describe, ROI numbers
// that do not describe the crops) does not. Each failure here proves fabrication: the analyzer
// turns it into a hard refusal, `integrity:<reason>`, at every risk level.
//
// Measured on the bona fide captures of ../shared/data/faces (docs/CALIBRATION.md, "Evidence
// consistency"); every threshold sits far from both the bona fide and the synthetic values.
import type { FlatLandmarks } from '../../workers/face/landmarks.ts';
import { squareCropBox } from '../../workers/face/face-box.ts';
import { median } from '../../workers/signal/stats.ts';

export const CONSISTENCY = {
  /**
   * Neighbouring pixels of a face crop are strongly correlated (lens blur, smooth skin); the
   * median lag-1 luma correlation of bona fide crops is above 0.9, JPEG'd random noise near 0.
   */
  min_crop_smoothness: 0.5,
  /** A crop this flat (luma standard deviation, 0..255) shows nothing at all. */
  min_crop_stddev: 2,
  /**
   * Where the landmarks put the eyes, a real face crop has texture (iris edge, lashes, lids);
   * where they put the cheeks it is smooth skin. The median ratio of the two local contrasts was
   * 1.17-3.85 on the recorded captures, but a small, dim bona fide face (zubair-real) dipped under
   * 1.1 in one run: only crops whose "eyes" are clearly smoother than their "cheeks" fail, i.e.
   * landmarks that describe another face than the crops show. (Noise sits at 1: the crop
   * smoothness measure refuses it.)
   */
  min_eye_to_cheek_contrast: 0.9,
  /** Landmarks from a real camera never repeat to the last quantisation step. */
  max_static_landmark_share: 0.5,
  /**
   * The client's ROI means against the server's from the same crops: the fusion's agreement
   * check (policies/defaults.ts AGREEMENT) fails a trace at 12; numbers this far off describe
   * other pixels altogether.
   */
  max_roi_level_gap: 36,
  /** Fewest sampled crops / landmark pairs a measure needs before it may fail a capture. */
  min_samples: 8,
} as const;

/** Iris centres, and the cheek points furthest from any feature (all in the landmark subset). */
const EYES = [468, 473] as const;
const CHEEKS = [205, 425] as const;

export type ConsistencyReason = 'synthetic_crops' | 'crops_do_not_match_landmarks' | 'static_landmarks' | 'roi_means_do_not_match_crops';

export interface ConsistencyResult {
  passed: boolean;
  reasons: ConsistencyReason[];
  metrics: {
    crop_smoothness: number | null;
    crop_stddev: number | null;
    eye_to_cheek_contrast: number | null;
    static_landmark_share: number | null;
    roi_level_gap: number | null;
    crops_sampled: number;
    eye_samples: number;
    landmark_pairs: number;
  };
}

export interface ConsistencyAccumulator {
  /** One decoded crop (RGBA, size x size). */
  addCrop(rgba: Uint8Array, size: number): void;
  /** The same crop with the landmarks in effect for it (normalised, full layout), its face box and the frame size. */
  addEyes(rgba: Uint8Array, size: number, landmarks: FlatLandmarks, box: ArrayLike<number>, frame: { width: number; height: number }): void;
  /** The quantised landmarks of each landmark frame, in order. */
  addLandmarks(lm: Uint16Array): void;
  /** `roiLevelGap`: the median gap between the client's and the server's ROI means (evidence.ts). */
  result(roiLevelGap: number | null): ConsistencyResult;
}

/** The median (workers/signal/stats.ts), null for no values. */
const medianOrNull = (values: number[]): number | null => (values.length === 0 ? null : median(values));

const luma = (rgba: Uint8Array, o: number) => 0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2];

/** Lag-1 correlation of luma over horizontal and vertical neighbours, and the luma stddev. */
export function cropSmoothness(rgba: Uint8Array, size: number): { smoothness: number; stddev: number } {
  const y = new Float64Array(size * size);
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i] = luma(rgba, 4 * i);
  mean /= y.length;
  let variance = 0;
  for (let i = 0; i < y.length; i++) variance += (y[i] - mean) ** 2;
  variance /= y.length;
  let cov = 0, n = 0;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const d = y[r * size + c] - mean;
      if (c + 1 < size) (cov += d * (y[r * size + c + 1] - mean)), n++;
      if (r + 1 < size) (cov += d * (y[(r + 1) * size + c] - mean)), n++;
    }
  }
  return { smoothness: variance > 0 ? cov / n / variance : 0, stddev: Math.sqrt(variance) };
}

const square = new Float32Array(3);

/** Luma standard deviation in a (2r+1)^2 window around each point, averaged; null when one is off the crop. */
function localContrast(rgba: Uint8Array, size: number, points: readonly number[], lm: FlatLandmarks, box: ArrayLike<number>, width: number, height: number): number | null {
  squareCropBox(box, width, height, 1, square);
  const s = size / square[2];
  const radius = Math.max(2, Math.round(size * 0.06));
  let total = 0;
  for (const i of points) {
    const x = Math.round((lm[3 * i] * width - square[0]) * s);
    const y = Math.round((lm[3 * i + 1] * height - square[1]) * s);
    if (!Number.isFinite(x) || !Number.isFinite(y) || x < radius || y < radius || x >= size - radius || y >= size - radius) return null;
    let sum = 0, sum2 = 0, n = 0;
    for (let dy = -radius; dy <= radius; dy++) {
      for (let dx = -radius; dx <= radius; dx++) {
        const v = luma(rgba, 4 * ((y + dy) * size + x + dx));
        sum += v;
        sum2 += v * v;
        n++;
      }
    }
    total += Math.sqrt(Math.max(0, sum2 / n - (sum / n) ** 2));
  }
  return total / points.length;
}

export function createConsistencyAccumulator(): ConsistencyAccumulator {
  const smooth: number[] = [];
  const stddev: number[] = [];
  const eyeRatio: number[] = [];
  let previous: Uint16Array | null = null;
  let pairs = 0, identical = 0;
  return {
    addCrop(rgba, size) {
      const m = cropSmoothness(rgba, size);
      smooth.push(m.smoothness);
      stddev.push(m.stddev);
    },
    addEyes(rgba, size, landmarks, box, frame) {
      const eyes = localContrast(rgba, size, EYES, landmarks, box, frame.width, frame.height);
      const cheeks = localContrast(rgba, size, CHEEKS, landmarks, box, frame.width, frame.height);
      if (eyes !== null && cheeks !== null) eyeRatio.push(eyes / Math.max(cheeks, 1));
    },
    addLandmarks(lm) {
      if (previous && previous.length === lm.length) {
        pairs++;
        let same = true;
        for (let i = 0; i < lm.length && same; i++) same = lm[i] === previous[i];
        if (same) identical++;
      }
      previous = lm;
    },
    result(roiLevelGap) {
      const c = CONSISTENCY;
      const metrics: ConsistencyResult['metrics'] = {
        crop_smoothness: medianOrNull(smooth),
        crop_stddev: medianOrNull(stddev),
        eye_to_cheek_contrast: medianOrNull(eyeRatio),
        static_landmark_share: pairs ? identical / pairs : null,
        roi_level_gap: roiLevelGap,
        crops_sampled: smooth.length,
        eye_samples: eyeRatio.length,
        landmark_pairs: pairs,
      };
      const reasons: ConsistencyReason[] = [];
      if (smooth.length >= c.min_samples && (metrics.crop_smoothness! < c.min_crop_smoothness || metrics.crop_stddev! < c.min_crop_stddev)) reasons.push('synthetic_crops');
      if (eyeRatio.length >= c.min_samples && metrics.eye_to_cheek_contrast! < c.min_eye_to_cheek_contrast) reasons.push('crops_do_not_match_landmarks');
      if (pairs >= c.min_samples && metrics.static_landmark_share! > c.max_static_landmark_share) reasons.push('static_landmarks');
      if (roiLevelGap !== null && roiLevelGap > c.max_roi_level_gap) reasons.push('roi_means_do_not_match_crops');
      return { passed: reasons.length === 0, reasons, metrics };
    },
  };
}
