import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
}

export async function probeVideo(path: string): Promise<VideoInfo> {
  const { stdout } = await execFileAsync('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,avg_frame_rate,r_frame_rate', '-of', 'json', path,
  ]);
  const s = JSON.parse(stdout).streams?.[0];
  if (!s) throw new Error(`ffprobe: no video stream in ${path}`);
  const rate = (text: string | undefined): number => {
    const [a, b] = String(text ?? '0/1').split('/').map(Number);
    return b ? a / b : Number.NaN;
  };
  let fps = rate(s.avg_frame_rate);
  if (!(fps > 0)) fps = rate(s.r_frame_rate);
  return { width: s.width, height: s.height, fps };
}

export interface MeanRgbTrace {
  /** Frame times in ms (frame index / fps). */
  times: Float64Array;
  /** Interleaved mean [r,g,b] per frame over the whole frame. */
  rgb: Float64Array;
  /** Interleaved mean [r,g,b] per frame of each grid cell (row-major), when a grid was asked for. */
  cells: Float64Array[];
  info: VideoInfo;
}

/**
 * Decode a video with ffmpeg to raw rgb24 frames and average every pixel of each frame
 * (the skin-crop videos are all skin). Frames are streamed, never held all at once.
 */
export async function decodeMeanRgb(path: string, grid = 1): Promise<MeanRgbTrace> {
  const info = await probeVideo(path);
  const frameBytes = info.width * info.height * 3;
  const child = spawn('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sums: number[] = [];
  const g1 = Math.max(1, Math.min(grid, info.width, info.height));
  const cellSums: number[][] = Array.from({ length: g1 * g1 }, () => []);
  // Pixel -> cell lookup along each axis.
  const colCell = Uint16Array.from({ length: info.width }, (_, x) => Math.floor((x * g1) / info.width));
  const rowCell = Uint16Array.from({ length: info.height }, (_, y) => Math.floor((y * g1) / info.height));
  const cellCount = new Float64Array(g1 * g1);
  for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width; x++) cellCount[rowCell[y] * g1 + colCell[x]]++;
  const acc = new Float64Array(3 * g1 * g1);
  let partial = new Uint8Array(frameBytes);
  let filled = 0;
  let r = 0, g = 0, b = 0;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(frameBytes - filled, chunk.length - off);
      partial.set(chunk.subarray(off, off + take), filled);
      filled += take;
      off += take;
      if (filled === frameBytes) {
        r = 0; g = 0; b = 0;
        if (g1 === 1) {
          for (let i = 0; i < frameBytes; i += 3) { r += partial[i]; g += partial[i + 1]; b += partial[i + 2]; }
        } else {
          acc.fill(0);
          let i = 0;
          for (let y = 0; y < info.height; y++) {
            const rowBase = rowCell[y] * g1;
            for (let x = 0; x < info.width; x++, i += 3) {
              const c = 3 * (rowBase + colCell[x]);
              acc[c] += partial[i]; acc[c + 1] += partial[i + 1]; acc[c + 2] += partial[i + 2];
            }
          }
          for (let c = 0; c < g1 * g1; c++) {
            r += acc[3 * c]; g += acc[3 * c + 1]; b += acc[3 * c + 2];
            cellSums[c].push(acc[3 * c] / cellCount[c], acc[3 * c + 1] / cellCount[c], acc[3 * c + 2] / cellCount[c]);
          }
        }
        const px = frameBytes / 3;
        sums.push(r / px, g / px, b / px);
        filled = 0;
      }
    }
  }
  const code: number = await new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`ffmpeg failed on ${path} (exit ${code}): ${stderr.trim()}`);
  partial = new Uint8Array(0);
  const frames = sums.length / 3;
  const times = new Float64Array(frames);
  for (let i = 0; i < frames; i++) times[i] = (i * 1000) / info.fps;
  const cells = g1 === 1 ? [] : cellSums.map((c) => Float64Array.from(c));
  return { times, rgb: Float64Array.from(sums), cells, info };
}
