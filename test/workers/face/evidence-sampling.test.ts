import { describe, expect, it } from 'vitest';
import {
  compareClientTrace,
  createEvidenceSampler,
  levelGap,
  MIN_COMPARED_FRAMES,
  PULSE_GRID,
  removeLinearTrend,
  sampleGridMeans,
} from '../../../workers/face/evidence-sampling.ts';
import { computeFaceBox } from '../../../workers/face/face-box.ts';
import { quantizeLandmarkSubset } from '../../../workers/face/landmark-subset.ts';
import { loadAstronaut } from './fixture.ts';

/** A size x size RGBA crop of one colour. */
function solid(size: number, rgb: readonly [number, number, number]): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  for (let o = 0; o < out.length; o += 4) out.set([rgb[0], rgb[1], rgb[2], 255], o);
  return out;
}

describe('levelGap', () => {
  it('is the mean absolute gap over the ROIs that had pixels', () => {
    const means = Float32Array.from([10, 20, 30, 40, 50, 60, 0, 0, 0]);
    const roi = Float32Array.from([12, 20, 27, 40, 52, 60, 99, 99, 99]);
    expect(levelGap(means, Uint32Array.from([5, 5, 0]), roi)).toBeCloseTo((2 + 0 + 3 + 0 + 2 + 0) / 6, 6);
  });
  it('is NaN when no ROI had pixels', () => {
    expect(levelGap(new Float32Array(9), new Uint32Array(3), new Float32Array(9))).toBeNaN();
  });
});

describe('removeLinearTrend', () => {
  it('removes a straight line exactly and keeps what is around it', () => {
    const wave = Array.from({ length: 40 }, (_, i) => Math.sin(i));
    const out = removeLinearTrend(wave.map((v, i) => v + 3 + 0.5 * i));
    const direct = removeLinearTrend(wave);
    out.forEach((v, i) => expect(v).toBeCloseTo(direct[i], 9));
    expect(removeLinearTrend(Array.from({ length: 10 }, (_, i) => 7 - 2 * i)).every((v) => Math.abs(v) < 1e-9)).toBe(true);
  });
});

describe('compareClientTrace', () => {
  const n = 60;
  const server = Array.from({ length: n }, (_, i) => 100 + Math.sin(i / 3) + 0.01 * i);

  it('correlates the detrended traces over the frames both sides have', () => {
    const client = server.map((v, i) => v * 1.1 + 4 + 0.2 * i);
    client[5] = Number.NaN; // a frame without client skin pixels is left out
    const r = compareClientTrace({ serverGreen: server, clientGreen: client, levelGaps: [1, 3, 2, 10] });
    expect(r.frames_compared).toBe(n - 1);
    expect(r.trace_correlation).toBeGreaterThan(0.99);
    expect(r.level_gap).toBe(2.5);
  });

  it('says null when the traces are too short or one is flat, and when no level was compared', () => {
    const short = server.slice(0, MIN_COMPARED_FRAMES - 1);
    expect(compareClientTrace({ serverGreen: short, clientGreen: short, levelGaps: [] })).toEqual({ trace_correlation: null, level_gap: null, frames_compared: MIN_COMPARED_FRAMES - 1 });
    const ramp = server.map((_, i) => 50 + i); // a straight line is flat once detrended
    expect(compareClientTrace({ serverGreen: server, clientGreen: ramp, levelGaps: [] }).trace_correlation).toBeNull();
  });

  it('sees a client trace that does not follow the pixels', () => {
    const unrelated = server.map((_, i) => 100 + Math.cos(i * 1.7));
    const r = compareClientTrace({ serverGreen: server, clientGreen: unrelated, levelGaps: [] });
    expect(Math.abs(r.trace_correlation ?? 1)).toBeLessThan(0.5);
  });
});

describe('sampleGridMeans', () => {
  it('appends the mean RGB of each grid cell, row by row', () => {
    const size = 8;
    const crop = solid(size, [0, 0, 0]);
    // Top-left cell white, bottom-right cell red.
    const cell = size / PULSE_GRID;
    for (let y = 0; y < cell; y++) for (let x = 0; x < cell; x++) crop.set([255, 255, 255], (y * size + x) * 4);
    for (let y = size - cell; y < size; y++) for (let x = size - cell; x < size; x++) crop.set([255, 0, 0], (y * size + x) * 4);
    const traces: number[][] = Array.from({ length: 1 + PULSE_GRID * PULSE_GRID }, () => []);
    sampleGridMeans(crop, size, traces, 1);
    expect(traces[0]).toEqual([]);
    expect(traces[1]).toEqual([255, 255, 255]);
    expect(traces[PULSE_GRID * PULSE_GRID]).toEqual([255, 0, 0]);
    expect(traces[2]).toEqual([0, 0, 0]);
  });
});

describe('createEvidenceSampler', () => {
  const f = loadAstronaut();
  const frame = { width: f.width, height: f.height };
  const cropSize = 64;
  const box = new Float32Array(4);
  computeFaceBox(f.landmarks, box);
  const colour = [180, 120, 90] as const;
  const record = (t: number, roiShift = 0) => ({
    t,
    box,
    roi: Float32Array.from([0, 1, 2].flatMap(() => colour.map((c) => c + roiShift))),
    skin: Uint32Array.from([100, 100, 100]),
  });

  it('samples nothing before landmarks, or from a crop of another size', () => {
    const sampler = createEvidenceSampler({ frame, cropSize });
    const crop = { data: solid(cropSize, colour), width: cropSize, height: cropSize };
    expect(sampler.sampleFrame(record(0), crop)).toBe(false);
    sampler.addLandmarks(quantizeLandmarkSubset(f.landmarks));
    expect(sampler.sampleFrame(record(33), { data: solid(32, colour), width: 32, height: 32 })).toBe(false);
    expect(sampler.sampleFrame(record(66), null)).toBe(false);
    expect(sampler.samples().times).toEqual([]);
  });

  it('measures the crop the client measured: its colour, its green trace and the level gap', () => {
    const sampler = createEvidenceSampler({ frame, cropSize });
    const landmarks = sampler.addLandmarks(quantizeLandmarkSubset(f.landmarks));
    expect(sampler.landmarks).toBe(landmarks);
    const crop = { data: solid(cropSize, colour), width: cropSize, height: cropSize };
    expect(sampler.sampleFrame(record(0), crop)).toBe(true);
    expect(sampler.sampleFrame(record(33, 6), crop)).toBe(true);
    const s = sampler.samples();
    expect(s.times).toEqual([0, 33]);
    expect(s.faceRgb.slice(0, 3)).toEqual([...colour]);
    expect(s.roiTraces).toHaveLength(3 + PULSE_GRID * PULSE_GRID);
    expect(s.roiTraces.every((trace) => trace.length === 6)).toBe(true);
    expect(s.serverGreen).toEqual([colour[1], colour[1]]);
    expect(s.clientGreen).toEqual([colour[1], colour[1] + 6]);
    expect(s.levelGaps).toEqual([0, 6]);
  });
});
