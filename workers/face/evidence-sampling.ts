// Per-frame evidence sampling: from each decoded face crop and the latest landmarks, the mean RGB
// of the three landmark ROIs and of a PULSE_GRID x PULSE_GRID grid of cells (the pulse traces),
// the face's mean colour (the light challenge), and the same green trace and ROI levels the client
// reported, so both sides' numbers can be compared. The server runs it over the crops the page
// streamed (server/analysis/evidence.ts); pure, so the page could run the same stage too.
import type { FrameRecord } from '../codec/capture-chunk.ts';
import { median, pearson, std } from '../signal/stats.ts';
import { computeCropRoiPolygons } from './crop-mapping.ts';
import { dequantizeLandmarkSubset } from './landmark-subset.ts';
import { createRoiPolygons } from './roi-polygons.ts';
import { sampleRoiMeans } from './roi-sampling.ts';

/**
 * The pulse is searched in the three landmark ROIs plus a GRID x GRID grid of cells over the whole
 * face crop, fused by SNR (the fusion weights down cells of hair, background or moving edges).
 * On 6 s captures of compressed video the three small ROIs alone rarely clear the noise
 * (docs/CALIBRATION.md); the cells add skin the landmark polygons leave out.
 */
export const PULSE_GRID = 4;
/** Fewer compared frames than this give no trace correlation (null). */
export const MIN_COMPARED_FRAMES = 10;

/** A decoded RGBA face crop. */
export interface DecodedCrop {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface EvidenceSamplerOptions {
  /** Frame size the page captured at; geometry only. */
  frame: { width: number; height: number };
  /** The plan's face crop size (crops of another size are not sampled). */
  cropSize: number;
}

/** What the sampled frames add up to. */
export interface EvidenceSamples {
  /** Times (ms since the capture started) of the sampled frames. */
  times: number[];
  /** RGB triplets per frame, one trace per region: the three ROIs, then the grid cells row by row. */
  roiTraces: number[][];
  /** The face's mean RGB per sampled frame (skin-weighted over the three ROIs), interleaved. */
  faceRgb: number[];
  /** Server and client green of the three ROIs per sampled frame (NaN where a side had no pixels). */
  serverGreen: number[];
  clientGreen: number[];
  /** Mean absolute gap (0..255) between the server's and the client's ROI means, per frame. */
  levelGaps: number[];
}

/** The server's samples against the client's numbers of the same frames. */
export interface TraceComparison {
  /** Correlation of the detrended green traces (null: fewer than MIN_COMPARED_FRAMES, or flat). */
  trace_correlation: number | null;
  /** Median level gap (null: no frame compared). */
  level_gap: number | null;
  frames_compared: number;
}

export type EvidenceSampler = ReturnType<typeof createEvidenceSampler>;

export function createEvidenceSampler({ frame: { width, height }, cropSize }: EvidenceSamplerOptions) {
  const polygons = createRoiPolygons();
  const means = new Float32Array(9);
  const counts = new Uint32Array(3);
  const previousPolygons = createRoiPolygons();
  const previousMeans = new Float32Array(9);
  const previousCounts = new Uint32Array(3);
  let landmarks: Float32Array | null = null;
  let previous: Float32Array | null = null;
  const samples: EvidenceSamples = {
    times: [],
    roiTraces: Array.from({ length: 3 + PULSE_GRID * PULSE_GRID }, () => []),
    faceRgb: [],
    serverGreen: [],
    clientGreen: [],
    levelGaps: [],
  };

  return {
    /** Takes a frame's landmarks (the geometry until the next landmark frame); returns them in pixels. */
    addLandmarks(lm: Uint16Array): Float32Array {
      previous = landmarks;
      landmarks = dequantizeLandmarkSubset(lm);
      return landmarks;
    },

    /** The landmarks in force (carried over between landmark frames, as the page does). */
    get landmarks(): Float32Array | null {
      return landmarks;
    },

    /**
     * Samples one frame's crop. The crop follows this frame's box; the ROI polygons follow the
     * latest landmarks, mapped into this crop. Returns false (nothing sampled) without a crop of
     * the plan's size, a face box or landmarks.
     */
    sampleFrame(record: Pick<FrameRecord, 't' | 'box' | 'roi' | 'skin'>, crop: DecodedCrop | null): boolean {
      const hasFace = record.box[2] > 0 && record.box[3] > 0;
      if (!crop || crop.width !== cropSize) return false;
      if (landmarks === null || !hasFace || !computeCropRoiPolygons(landmarks, record.box, width, height, cropSize, polygons)) return false;
      sampleRoiMeans(crop.data, crop.width, crop.height, polygons, means, counts);
      // The page applies a new landmark result a few frames after the frame it came from (its
      // landmark worker runs asynchronously), so its ROI numbers may still use the previous
      // geometry: for the comparison only, the closer of the two geometries counts.
      let cmpMeans = means, cmpCounts = counts;
      if (previous && computeCropRoiPolygons(previous, record.box, width, height, cropSize, previousPolygons)) {
        sampleRoiMeans(crop.data, crop.width, crop.height, previousPolygons, previousMeans, previousCounts);
        if (levelGap(previousMeans, previousCounts, record.roi) < levelGap(means, counts, record.roi)) (cmpMeans = previousMeans), (cmpCounts = previousCounts);
      }
      let r = 0, g = 0, b = 0, total = 0, cg = 0, ct = 0;
      for (let k = 0; k < 3; k++) {
        const has = counts[k] > 0;
        samples.roiTraces[k].push(has ? means[3 * k] : Number.NaN, has ? means[3 * k + 1] : Number.NaN, has ? means[3 * k + 2] : Number.NaN);
        cg += cmpMeans[3 * k + 1] * cmpCounts[k];
        ct += cmpCounts[k];
        r += means[3 * k] * counts[k];
        g += means[3 * k + 1] * counts[k];
        b += means[3 * k + 2] * counts[k];
        total += counts[k];
      }
      sampleGridMeans(crop.data, cropSize, samples.roiTraces, 3);
      samples.times.push(record.t);
      samples.faceRgb.push(total ? r / total : Number.NaN, total ? g / total : Number.NaN, total ? b / total : Number.NaN);
      samples.serverGreen.push(ct ? cg / ct : Number.NaN);
      const skin = record.skin;
      samples.clientGreen.push((record.roi[1] * skin[0] + record.roi[4] * skin[1] + record.roi[7] * skin[2]) / (skin[0] + skin[1] + skin[2] || Number.NaN));
      const gap = levelGap(cmpMeans, cmpCounts, record.roi);
      if (Number.isFinite(gap)) samples.levelGaps.push(gap);
      return true;
    },

    samples(): EvidenceSamples {
      return samples;
    },
  };
}

/** Compares the server's green trace and ROI levels with the client's (paired frames only). */
export function compareClientTrace(samples: Pick<EvidenceSamples, 'serverGreen' | 'clientGreen' | 'levelGaps'>): TraceComparison {
  const server: number[] = [];
  const client: number[] = [];
  samples.serverGreen.forEach((v, i) => {
    const c = samples.clientGreen[i];
    if (Number.isFinite(v) && Number.isFinite(c)) server.push(v), client.push(c);
  });
  return {
    trace_correlation: correlationOrNull(removeLinearTrend(server), removeLinearTrend(client)),
    level_gap: samples.levelGaps.length ? median(samples.levelGaps) : null,
    frames_compared: server.length,
  };
}

/** Pearson correlation, or null when too short to mean anything or either side is flat. */
function correlationOrNull(a: readonly number[], b: readonly number[]): number | null {
  const n = Math.min(a.length, b.length);
  if (n < MIN_COMPARED_FRAMES || !(std(a, 0, n) > 0) || !(std(b, 0, n) > 0)) return null;
  return pearson(a, b, n);
}

/**
 * Least-squares line removed: both sides see the same pixels, so their slow illumination and
 * motion changes must line up; first differences would leave mostly JPEG noise to compare.
 */
export function removeLinearTrend(values: readonly number[]): number[] {
  const n = values.length;
  if (n < 2) return values.slice();
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) (sx += i), (sy += values[i]), (sxx += i * i), (sxy += i * values[i]);
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx || 1);
  const icept = (sy - slope * sx) / n;
  return values.map((v, i) => v - (icept + slope * i));
}

/** Mean absolute difference (0..255) between the server's and the client's ROI means (NaN: no ROI had pixels). */
export function levelGap(means: Float32Array, counts: Uint32Array, roi: Float32Array): number {
  let sum = 0, n = 0;
  for (let k = 0; k < 3; k++) {
    if (counts[k] === 0) continue;
    for (let c = 0; c < 3; c++) sum += Math.abs(means[3 * k + c] - roi[3 * k + c]);
    n += 3;
  }
  return n ? sum / n : Number.NaN;
}

/** Mean RGB of each cell of a size x size RGBA crop, appended to traces[first..]. */
export function sampleGridMeans(rgba: Uint8Array, size: number, traces: number[][], first: number): void {
  const cell = Math.floor(size / PULSE_GRID);
  for (let gy = 0; gy < PULSE_GRID; gy++) {
    for (let gx = 0; gx < PULSE_GRID; gx++) {
      let r = 0, g = 0, b = 0;
      for (let y = gy * cell; y < (gy + 1) * cell; y++) {
        for (let x = gx * cell, o = (y * size + x) * 4; x < (gx + 1) * cell; x++, o += 4) (r += rgba[o]), (g += rgba[o + 1]), (b += rgba[o + 2]);
      }
      const n = cell * cell;
      traces[first + gy * PULSE_GRID + gx].push(r / n, g / n, b / n);
    }
  }
}
