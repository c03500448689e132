// ROI sampling cost: three ROIs of a face filling most of a 640x480 frame (a close selfie, the
// worst case), and of a smaller face. Usage: node test/bench/roi.bench.ts [--json]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeRoiPolygons, createRoiPolygons, polygonArea } from '../../workers/face/roi-polygons.ts';
import { sampleRoiMeans } from '../../workers/face/roi-sampling.ts';

const W = 640, H = 480;
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../workers/face/fixtures/landmarks-astronaut.json'), 'utf8'));

function landmarksScaled(scale: number): Float32Array {
  // Scale the real landmark set about its centroid and centre it in the frame.
  const src: number[] = fixture.landmarks;
  const n = src.length / 3;
  let cx = 0, cy = 0;
  for (let i = 0; i < n; i++) { cx += src[3 * i]; cy += src[3 * i + 1]; }
  cx /= n; cy /= n;
  const out = new Float32Array(src.length);
  for (let i = 0; i < n; i++) {
    out[3 * i] = 0.5 + ((src[3 * i] - cx) * scale * fixture.width) / W;
    out[3 * i + 1] = 0.5 + ((src[3 * i + 1] - cy) * scale * fixture.height) / H;
    out[3 * i + 2] = src[3 * i + 2];
  }
  return out;
}

const frame = new Uint8ClampedArray(W * H * 4);
for (let i = 0; i < frame.length; i += 4) {
  frame[i] = 180 + (i % 37); frame[i + 1] = 130 + (i % 23); frame[i + 2] = 100 + (i % 19); frame[i + 3] = 255;
}

const results: Record<string, unknown>[] = [];
for (const [label, scale] of [['face 300 px wide', 3.3], ['face 150 px wide', 1.65]] as const) {
  const polys = createRoiPolygons();
  computeRoiPolygons(landmarksScaled(scale), W, H, polys);
  const means = new Float32Array(9), counts = new Uint32Array(3);
  for (let i = 0; i < 200; i++) sampleRoiMeans(frame, W, H, polys, means, counts); // warm-up
  const runs = 2000;
  const times = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    sampleRoiMeans(frame, W, H, polys, means, counts);
    times[i] = performance.now() - t0;
  }
  times.sort();
  results.push({
    case: label,
    roi_pixels: polys.reduce((s, p) => s + Math.round(polygonArea(p)), 0),
    skin_pixels: counts.reduce((s, c) => s + c, 0),
    median_ms: +times[runs >> 1].toFixed(4),
    p95_ms: +times[Math.floor(runs * 0.95)].toFixed(4),
  });
}
if (process.argv.includes('--json')) console.log(JSON.stringify({ bench: 'roi-sampling', frame: `${W}x${H}`, node: process.version, results }));
else {
  console.log(`ROI sampling, three ROIs, ${W}x${H} RGBA, Node ${process.version}`);
  console.table(results);
}
