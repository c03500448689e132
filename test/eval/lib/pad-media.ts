// Turns a face-media item into what Chromium's fake camera plays: videos as y4m at their own frame
// rate, stills looped into a video with slight natural motion (sway, breathing-scale zoom, a small
// roll) so a photo held in front of a camera is what the page sees. Cached under test/.cache/y4m.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rename, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Y4M_CACHE_DIR } from '../../helpers/y4m.ts';

const run = promisify(execFile);

export interface MediaItem {
  id: string;
  file: string;
  media: 'video' | 'still';
  fps?: number;
  duration_s?: number;
}

export interface CameraMediaOptions {
  /** Longest clip written (the fake camera loops it); default 16 s. */
  seconds?: number;
  /** Larger side cap in pixels (webcam-like sizes keep y4m files small); default 640. */
  maxSide?: number;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** The y4m a fake camera plays for this item (built once, cached by content and options). */
export async function cameraMediaFor(dir: string, item: MediaItem, opts: CameraMediaOptions = {}): Promise<string> {
  const input = resolve(dir, item.file);
  const st = await stat(input);
  const maxSide = opts.maxSide ?? 640;
  const still = item.media === 'still';
  // Native frame rate for videos: resampling 15 fps to 30 would repeat frames (identical crops).
  const fps = still ? 30 : Math.round(item.fps ?? 30);
  const seconds = Math.min(opts.seconds ?? 16, still ? Infinity : (item.duration_s ?? Infinity));
  const key = createHash('sha256').update(`pad|${input}|${st.size}|${st.mtimeMs}|${fps}|${seconds}|${maxSide}|${still}`).digest('hex').slice(0, 16);
  await mkdir(Y4M_CACHE_DIR, { recursive: true });
  const out = join(Y4M_CACHE_DIR, `pad-${item.id.replace(/[^\w.-]/g, '_')}-${key}.y4m`);
  if (await exists(out)) return out;
  const scale = `scale='if(gt(iw,ih),min(${maxSide},iw),-2)':'if(gt(iw,ih),-2,min(${maxSide},ih))'`;
  // A hand-held photo: a few pixels of sway on incommensurate periods and half a degree of roll.
  // Crop 92 % so the moving window never leaves the image (crop sizes cannot vary per frame).
  const motion = [
    `rotate='0.009*sin(2*PI*t/3.1)':fillcolor=black`,
    `crop='iw*0.92':'ih*0.92':'(iw-ow)/2+iw*0.012*sin(2*PI*t/2.3)':'(ih-oh)/2+ih*0.01*sin(2*PI*t/3.7)'`,
  ].join(',');
  const vf = still ? `fps=${fps},${scale},${motion},scale=trunc(iw/2)*2:trunc(ih/2)*2` : `fps=${fps},${scale}`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y'];
  if (still) args.push('-loop', '1', '-framerate', String(fps));
  args.push('-i', input, '-t', String(still ? (opts.seconds ?? 16) : seconds), '-vf', vf, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', `${out}.tmp`);
  await run('ffmpeg', args, { maxBuffer: 1 << 20 });
  await rename(`${out}.tmp`, out);
  return out;
}
