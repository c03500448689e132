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
  /** The webcam frame the item is shown in; default 640 x 480. */
  frame?: { width: number; height: number };
}

/** The displayed size, as ffmpeg shows it (EXIF orientation applied). */
async function displaySize(input: string): Promise<{ width: number; height: number }> {
  // One decoded frame as PNG: its header holds the displayed size.
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', input, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', '-'], { encoding: 'buffer', maxBuffer: 64 << 20 });
  const png = stdout as unknown as Buffer;
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** The y4m a fake camera plays for this item (built once, cached by content and options). */
export async function cameraMediaFor(dir: string, item: MediaItem, opts: CameraMediaOptions = {}): Promise<string> {
  const input = resolve(dir, item.file);
  const st = await stat(input);
  const frame = opts.frame ?? { width: 640, height: 480 };
  const still = item.media === 'still';
  // Native frame rate for videos: resampling 15 fps to 30 would repeat frames (identical crops).
  const fps = still ? 30 : Math.round(item.fps ?? 30);
  const seconds = Math.min(opts.seconds ?? 16, still ? Infinity : (item.duration_s ?? Infinity));
  const key = createHash('sha256').update(`pad|${input}|${st.size}|${st.mtimeMs}|${fps}|${seconds}|${frame.width}x${frame.height}|${still}|v5`).digest('hex').slice(0, 16);
  await mkdir(Y4M_CACHE_DIR, { recursive: true });
  const out = join(Y4M_CACHE_DIR, `pad-${item.id.replace(/[^\w.-]/g, '_')}-${key}.y4m`);
  if (await exists(out)) return out;
  // Shown the way a webcam sees it: inside a landscape frame, padded with black. Portrait clips and
  // close-ups (a phone held at arm's length) fill 75 % of it, so the face sits in the page's oval
  // at a webcam distance; landscape webcam clips fill the frame.
  // The margins are the clip itself, scaled to cover the frame and heavily blurred (a phone's
  // "blur fill"): black bars read as a screen bezel to the anti-spoofing CNN (bona fide clips
  // scored ~0 with black bars, ~1 without), mirrored margins duplicate the face.
  const compose = (w: number, h: number) =>
    `split[a][b];[a]scale=${frame.width}:${frame.height}:force_original_aspect_ratio=increase,crop=${frame.width}:${frame.height},boxblur=30:3[bg];[b]scale=${w}:${h}[fg];[bg][fg]overlay=(W-w)/2:(H-h)/2`;
  // A hand-held photo: the print turns a little about its vertical axis (perspective, +-5 % of the
  // height at the edges, 2.9 s period), sways a few pixels on incommensurate periods and rolls
  // half a degree. Crop 92 % so the moving window never leaves the image.
  const yaw = `H*0.05*sin(2*PI*on/${(2.9 * fps).toFixed(0)})`;
  const motion = [
    `perspective=x0=0:y0='${yaw}':x1=W:y1='-${yaw}':x2=0:y2='H-${yaw}':x3=W:y3='H+${yaw}':eval=frame:sense=destination`,
    `rotate='0.009*sin(2*PI*t/3.1)':fillcolor=black`,
    `crop='iw*0.92':'ih*0.92':'(iw-ow)/2+iw*0.012*sin(2*PI*t/2.3)':'(ih-oh)/2+ih*0.01*sin(2*PI*t/3.7)'`,
  ].join(',');
  const size = await displaySize(input);
  const share = size.width > size.height * 1.2 ? 1 : 0.75;
  // The size the fit gives (even), so the mirrored margins are known in advance.
  const k = Math.min((frame.width * share) / size.width, (frame.height * share) / size.height);
  const w = Math.max(2, Math.round((size.width * (still ? 0.92 : 1) * k) / 2) * 2);
  const h = Math.max(2, Math.round((size.height * (still ? 0.92 : 1) * k) / 2) * 2);
  const geometry = compose(w, h);
  const vf = still ? `fps=${fps},${motion},${geometry}` : `fps=${fps},${geometry}`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y'];
  if (still) args.push('-loop', '1', '-framerate', String(fps));
  args.push('-i', input, '-t', String(still ? (opts.seconds ?? 16) : seconds), '-vf', vf, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', `${out}.tmp`);
  await run('ffmpeg', args, { maxBuffer: 1 << 20 });
  await rename(`${out}.tmp`, out);
  return out;
}
