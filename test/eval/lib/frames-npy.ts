import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FramesNpyItem } from './manifest.ts';
import { readNpy } from './npy.ts';

export interface FramesNpyRecording {
  /** Frame times, ms. */
  times: Float64Array;
  /** Interleaved mean [r,g,b] per frame over all pixels. */
  rgb: Float64Array;
  /** Interleaved mean [r,g,b] per frame of each grid cell (row-major); empty for grid 1. */
  cells: Float64Array[];
  /** Contact PPG, one value per frame, when the item has one. */
  ppg: Float64Array | null;
}

async function readColumn(path: string): Promise<Float64Array> {
  const text = await readFile(path, 'utf8');
  return Float64Array.from(text.split(/\s+/).filter(Boolean).map(Number));
}

/**
 * A frames-npy item: uint8 [N, H, W, 3] frames (R,G,B), timestamps in seconds, optional PPG.
 * Every pixel is averaged (the frames are face crops already).
 */
export async function readFramesNpy(dir: string, item: FramesNpyItem, grid = 1): Promise<FramesNpyRecording> {
  const arr = await readNpy(join(dir, item.frames));
  if (arr.shape.length !== 4 || arr.shape[3] !== 3) throw new Error(`${item.frames}: expected [N,H,W,3], got [${arr.shape}]`);
  const [n, h, w] = arr.shape;
  const px = h * w;
  const rgb = new Float64Array(n * 3);
  for (let f = 0; f < n; f++) {
    let r = 0, g = 0, b = 0;
    const base = f * px * 3;
    for (let i = 0; i < px; i++) { r += arr.data[base + 3 * i]; g += arr.data[base + 3 * i + 1]; b += arr.data[base + 3 * i + 2]; }
    rgb[3 * f] = r / px; rgb[3 * f + 1] = g / px; rgb[3 * f + 2] = b / px;
  }
  const g1 = Math.max(1, Math.min(grid, h, w));
  const cells: Float64Array[] = [];
  if (g1 > 1) {
    for (let cy = 0; cy < g1; cy++) {
      for (let cx = 0; cx < g1; cx++) {
        const y0 = Math.floor((cy * h) / g1), y1 = Math.floor(((cy + 1) * h) / g1);
        const x0 = Math.floor((cx * w) / g1), x1 = Math.floor(((cx + 1) * w) / g1);
        const count = (y1 - y0) * (x1 - x0);
        const trace = new Float64Array(n * 3);
        for (let f = 0; f < n; f++) {
          for (let y = y0; y < y1; y++) {
            for (let x = x0; x < x1; x++) {
              const o = ((f * h + y) * w + x) * 3;
              trace[3 * f] += arr.data[o]; trace[3 * f + 1] += arr.data[o + 1]; trace[3 * f + 2] += arr.data[o + 2];
            }
          }
          trace[3 * f] /= count; trace[3 * f + 1] /= count; trace[3 * f + 2] /= count;
        }
        cells.push(trace);
      }
    }
  }
  const seconds = await readColumn(join(dir, item.timestamps));
  if (seconds.length !== n) throw new Error(`${item.timestamps}: ${seconds.length} timestamps for ${n} frames`);
  const times = seconds.map((s) => s * 1000);
  const ppg = item.ppg ? await readColumn(join(dir, item.ppg)) : null;
  if (ppg && ppg.length !== n) throw new Error(`${item.ppg}: ${ppg.length} samples for ${n} frames`);
  return { times, rgb, cells, ppg };
}
