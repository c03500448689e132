// Motion and planarity over a capture, from landmark tracks.
//
// A printed photo or a screen held in front of the camera moves as one plane: between any two
// frames its landmarks are related by a homography (exactly so under perspective), however it is
// tilted. A real head turning shows parallax: the nose tip moves against the face outline, and no
// homography explains it. Only frames whose shape changed beyond an in-plane move (a similarity)
// tell the two apart: a still real head and a still photo both fit any model. So the summary
// reports motion energy and how many informative pairs there were, and says 'insufficient_motion'
// rather than guessing. A screen replaying a video of a turning head shows that head's parallax;
// planarity catches stills and flat media moved by hand, not every replay.
import { createBlinkDetector, type BlinkDetector, type BlinkDetectorOptions } from './blink-detector.ts';
import { createExpressionAnalyzer, type ExpressionSummary } from './expression.ts';
import { fitHomography, homographyResidual, similarityResidual } from './homography.ts';
import { LEFT_EYE_EAR, RIGHT_EYE_EAR } from './landmark-indices.ts';
import { LANDMARK_SUBSET } from './landmark-subset.ts';
import type { FlatLandmarks } from './landmarks.ts';
import { interOcularDistance } from './inter-ocular.ts';
import { median as medianOf } from '../signal/stats.ts';

/** Rigid-ish subset points: the wire subset minus irises (gaze), lids (blinks) and mouth (speech). */
const NON_RIGID = new Set([468, 473, 0, 13, 14, 17, 61, 291,
  RIGHT_EYE_EAR[1], RIGHT_EYE_EAR[2], RIGHT_EYE_EAR[4], RIGHT_EYE_EAR[5],
  LEFT_EYE_EAR[1], LEFT_EYE_EAR[2], LEFT_EYE_EAR[4], LEFT_EYE_EAR[5]]);
export const PLANARITY_POINTS: readonly number[] = Object.freeze(LANDMARK_SUBSET.filter((i) => !NON_RIGID.has(i)));

/** Frames compared are this far apart: long enough for motion to beat landmark jitter. */
export const DEFAULT_PAIR_INTERVAL_MS = 400;
/**
 * A pair is informative when its similarity residual (shape change beyond an in-plane move)
 * reaches this share of the inter-ocular distance and NOISE_MULTIPLE times the landmark noise.
 */
export const DEFAULT_MIN_SHAPE_CHANGE_IOD = 0.015;
export const DEFAULT_NOISE_MULTIPLE = 3;
/**
 * Homography residual / similarity residual below this: the change is explained by one plane.
 * Exact geometry gives ~0 for a plane and ~0.8 for a turning head (tests), but FaceLandmarker's
 * landmarks on a perspective-warped photo are not a homography of each other (the network puts
 * its 3D face prior into them): measured 0.52-0.73 for simulated hand-held prints against
 * 0.70-0.83 for real heads (workers/face/README.md). 0.5 keeps live people clear of 'planar';
 * treat landmark planarity as weak evidence and prefer summarizeCropMotion (crop-motion.ts).
 */
export const DEFAULT_PLANAR_RATIO = 0.5;
export const DEFAULT_MIN_INFORMATIVE_PAIRS = 3;
/** Frames kept at most (a capture is seconds long; this bounds memory). */
export const DEFAULT_MAX_LANDMARK_FRAMES = 1800;

export interface MotionAnalyzerOptions {
  pairIntervalMs?: number;
  minShapeChangeIod?: number;
  noiseMultiple?: number;
  planarRatio?: number;
  minInformativePairs?: number;
  maxFrames?: number;
  blink?: BlinkDetectorOptions;
}

export type PlanarityEvidence = 'planar' | 'non_planar' | 'insufficient_motion';

export interface MotionSummary {
  /** Median homography residual of the informative pairs / inter-ocular distance; null when none. */
  planarity_residual: number | null;
  /** Median of homography residual / similarity residual over informative pairs; null when none. */
  planarity_ratio: number | null;
  /** True only when enough pairs changed shape and one plane explains them. */
  planar: boolean;
  planarity_evidence: PlanarityEvidence;
  /** Mean squared RMS landmark displacement per pair interval, in inter-ocular units squared. */
  motion_energy: number;
  /** Median similarity residual / inter-ocular distance over all pairs: out-of-plane change. */
  shape_change: number;
  /**
   * Landmark jitter: median homography residual between consecutive landmark frames (too close
   * in time for real parallax), in inter-ocular units.
   */
  landmark_noise: number;
  pairs: number;
  informative_pairs: number;
  landmark_frames: number;
  blinks: number;
  /** Non-rigid change of the face (blinks, talking) against its rigid points: expression.ts. */
  expression: ExpressionSummary;
}

export interface MotionAnalyzer {
  /** Adds one landmark frame (normalised landmarks of a width x height frame). */
  addLandmarks(tMs: number, lm: FlatLandmarks, width: number, height: number): void;
  /** Adds one eye-closure sample (see eyeClosure) to the blink count. */
  addEyeClosure(tMs: number, closure: number): void;
  summary(): MotionSummary;
  reset(): void;
}

const median = (values: number[]): number => medianOf(values, { finiteOnly: false });

export function createMotionAnalyzer(options: MotionAnalyzerOptions = {}): MotionAnalyzer {
  const pairInterval = options.pairIntervalMs ?? DEFAULT_PAIR_INTERVAL_MS;
  const minShape = options.minShapeChangeIod ?? DEFAULT_MIN_SHAPE_CHANGE_IOD;
  const noiseMultiple = options.noiseMultiple ?? DEFAULT_NOISE_MULTIPLE;
  const planarRatio = options.planarRatio ?? DEFAULT_PLANAR_RATIO;
  const minPairs = options.minInformativePairs ?? DEFAULT_MIN_INFORMATIVE_PAIRS;
  const maxFrames = options.maxFrames ?? DEFAULT_MAX_LANDMARK_FRAMES;
  const n = PLANARITY_POINTS.length;
  let times: number[] = [];
  let points: Float64Array[] = [];
  let iods: number[] = [];
  let blink: BlinkDetector = createBlinkDetector(options.blink);
  const expression = createExpressionAnalyzer();
  const h = new Float64Array(9);

  return {
    addLandmarks(tMs, lm, width, height) {
      if (times.length >= maxFrames || !Number.isFinite(tMs)) return;
      if (times.length && tMs <= times[times.length - 1]) return; // out of order or duplicate
      const iod = interOcularDistance(lm, width, height);
      if (!(iod > 0)) return;
      const p = new Float64Array(2 * n);
      for (let k = 0; k < n; k++) {
        const i = PLANARITY_POINTS[k];
        p[2 * k] = lm[3 * i] * width;
        p[2 * k + 1] = lm[3 * i + 1] * height;
      }
      times.push(tMs);
      points.push(p);
      iods.push(iod);
      expression.add(lm, width, height, iod);
    },
    addEyeClosure(tMs, closure) {
      blink.update(tMs, closure);
    },
    summary() {
      const ratios: number[] = [], residuals: number[] = [], shapes: number[] = [], jitter: number[] = [];
      for (let i = 0; i + 1 < times.length; i++) {
        if (times[i + 1] - times[i] > pairInterval / 4 || !fitHomography(points[i], points[i + 1], h)) continue;
        jitter.push(homographyResidual(h, points[i], points[i + 1]) / ((iods[i] + iods[i + 1]) / 2));
      }
      const noise = jitter.length ? median(jitter) : 0;
      const informativeShape = Math.max(minShape, noiseMultiple * noise);
      let energy = 0, pairs = 0;
      let j = 0;
      for (let i = 0; i < times.length; i++) {
        if (j <= i) j = i + 1;
        while (j < times.length && times[j] - times[i] < pairInterval) j++;
        if (j >= times.length) break;
        // Pairs much longer than the interval (landmark gaps) are still fine: motion only grows.
        const a = points[i], b = points[j];
        const iod = (iods[i] + iods[j]) / 2;
        let disp = 0, m = 0;
        for (let k = 0; k < a.length; k += 2) {
          const d = (b[k] - a[k]) ** 2 + (b[k + 1] - a[k + 1]) ** 2;
          if (d === d) { disp += d; m++; }
        }
        if (m < 4) continue;
        pairs++;
        energy += disp / m / (iod * iod);
        const sim = similarityResidual(a, b) / iod;
        shapes.push(sim);
        if (!(sim >= informativeShape) || !fitHomography(a, b, h)) continue;
        const res = homographyResidual(h, a, b) / iod;
        residuals.push(res);
        ratios.push(res / sim);
      }
      const informative = ratios.length;
      const ratio = median(ratios);
      const evidence: PlanarityEvidence = informative < minPairs ? 'insufficient_motion'
        : ratio < planarRatio ? 'planar' : 'non_planar';
      return {
        planarity_residual: informative ? median(residuals) : null,
        planarity_ratio: informative ? ratio : null,
        planar: evidence === 'planar',
        planarity_evidence: evidence,
        motion_energy: pairs ? energy / pairs : 0,
        shape_change: shapes.length ? median(shapes) : 0,
        landmark_noise: noise,
        pairs,
        informative_pairs: informative,
        landmark_frames: times.length,
        blinks: blink.count,
        expression: expression.summary(),
      };
    },
    reset() {
      times = []; points = []; iods = [];
      blink = createBlinkDetector(options.blink);
      expression.reset();
    },
  };
}
