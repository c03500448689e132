// Turns a face-media item into what Chromium's fake camera plays: videos as y4m at their own frame
// rate, stills looped into a video with slight natural motion (sway, breathing-scale zoom, a small
// roll) so a photo held in front of a camera is what the page sees. Cached (media-cache.ts, bounded).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { cachedMedia, y4mBytes } from '../../helpers/media-cache.ts';

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
  /**
   * The part of the source the camera sees, normalised to the source's displayed size: a person
   * who moves closer or re-centres (see reframeWindow). Default: the whole source.
   */
  window?: SourceWindow;
  /** Extra ffmpeg filters applied to the composed webcam frame (robustness perturbations). */
  post?: string;
  /** Frame rate of the written clip (default: the source's, rounded). */
  fps?: number;
  /** Re-encode the source with H.264 at this CRF first (a second lossy compression). */
  recompress?: number;
}

/** A rectangle normalised to the source's displayed size. */
export interface SourceWindow {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface CameraMedia {
  path: string;
  /** Where the source window lands in the webcam frame, pixels. */
  placed: { x: number; y: number; w: number; h: number };
  frame: { width: number; height: number };
  window: SourceWindow;
  /** The source's displayed size, pixels. */
  source: { width: number; height: number };
}

/** The displayed size, as ffmpeg shows it (EXIF orientation applied). */
async function displaySize(input: string): Promise<{ width: number; height: number }> {
  // One decoded frame as PNG: its header holds the displayed size.
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', input, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', '-'], { encoding: 'buffer', maxBuffer: 64 << 20 });
  const png = stdout as unknown as Buffer;
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** The y4m a fake camera plays for this item (built once, cached by content and options). */
export async function cameraMediaFor(dir: string, item: MediaItem, opts: CameraMediaOptions = {}): Promise<string> {
  return (await cameraMedia(dir, item, opts)).path;
}

/** The y4m for this item plus where the source sits in the webcam frame. */
export async function cameraMedia(dir: string, item: MediaItem, opts: CameraMediaOptions = {}): Promise<CameraMedia> {
  const original = resolve(dir, item.file);
  const st = await stat(original);
  const input = opts.recompress ? await recompressed(original, opts.recompress, item.media === 'still') : original;
  const frame = opts.frame ?? { width: 640, height: 480 };
  const still = item.media === 'still';
  // Native frame rate for videos: resampling 15 fps to 30 would repeat frames (identical crops).
  const fps = opts.fps ?? (still ? 30 : Math.round(item.fps ?? 30));
  const seconds = Math.min(opts.seconds ?? 16, still ? Infinity : (item.duration_s ?? Infinity));
  const full = await displaySize(input);
  const win = opts.window ?? { x: 0, y: 0, w: 1, h: 1 };
  // The window in source pixels (even sizes for yuv420p).
  const cw = opts.window ? Math.max(2, Math.min(Math.floor(full.width / 2), Math.round((full.width * win.w) / 2)) * 2) : full.width;
  const ch = opts.window ? Math.max(2, Math.min(Math.floor(full.height / 2), Math.round((full.height * win.h) / 2)) * 2) : full.height;
  const cx = Math.max(0, Math.min(full.width - cw, Math.round(full.width * win.x)));
  const cy = Math.max(0, Math.min(full.height - ch, Math.round(full.height * win.y)));
  const size = { width: cw, height: ch };
  const share = size.width > size.height * 1.2 ? 1 : 0.75;
  // The size the fit gives (even), so the placement is known in advance.
  const k = Math.min((frame.width * share) / size.width, (frame.height * share) / size.height);
  const w = Math.max(2, Math.round((size.width * (still ? 0.92 : 1) * k) / 2) * 2);
  const h = Math.max(2, Math.round((size.height * (still ? 0.92 : 1) * k) / 2) * 2);
  const placed = { x: (frame.width - w) / 2, y: (frame.height - h) / 2, w, h };
  const media = { placed, frame, window: { x: cx / full.width, y: cy / full.height, w: cw / full.width, h: ch / full.height }, source: full };
  const cropped = cw === full.width && ch === full.height ? '' : `crop=${cw}:${ch}:${cx}:${cy},`;
  const key = createHash('sha256').update(`pad|${input}|${opts.fps ?? ''}|${st.size}|${st.mtimeMs}|${fps}|${seconds}|${frame.width}x${frame.height}|${still}|${cropped}|${opts.post ?? ''}|v6`).digest('hex').slice(0, 16);
  const name = `pad-${item.id.replace(/[^\w.-]/g, '_')}-${key}.y4m`;
  const clip = still ? (opts.seconds ?? 16) : seconds;
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
  const geometry = compose(w, h) + (opts.post ? `,${opts.post}` : '');
  const vf = still ? `${cropped}fps=${fps},${motion},${geometry}` : `${cropped}fps=${fps},${geometry}`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y'];
  if (still) args.push('-loop', '1', '-framerate', String(fps));
  args.push('-i', input, '-t', String(clip), '-vf', vf, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe');
  const path = await cachedMedia(name, async (tmp) => {
    await run('ffmpeg', [...args, tmp], { maxBuffer: 1 << 20 });
  }, y4mBytes(frame.width * frame.height, fps, clip));
  return { path, ...media };
}

/** The source re-encoded with H.264 (stills: a JPEG at low quality), cached beside the y4m files. */
async function recompressed(input: string, crf: number, still: boolean): Promise<string> {
  const name = `recompressed-${createHash('sha256').update(`${input}|${crf}`).digest('hex').slice(0, 16)}.${still ? 'jpg' : 'mp4'}`;
  const codec = still ? ['-q:v', String(Math.min(31, Math.round(crf / 2)))] : ['-c:v', 'libx264', '-crf', String(crf), '-pix_fmt', 'yuv420p', '-an'];
  return cachedMedia(name, async (tmp) => {
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', input, ...codec, tmp], { maxBuffer: 1 << 20 });
  });
}

/** How far a person moves: the source is cropped at most this much (3x closer). */
export const MAX_REFRAME_ZOOM = 3;
/** Face height share of the webcam frame a person settles at when told to move. */
const REFRAME_FACE_HEIGHT = 0.42;

/**
 * The source window a person who follows the page's guidance ends up showing: the face box the
 * page saw (normalised to the webcam frame) mapped back to the source, then windowAround it.
 * Null when the box does not land on the source.
 */
export function reframeWindow(media: CameraMedia, box: readonly number[]): SourceWindow | null {
  const [bx, by, bw, bh] = box;
  const { placed, frame, window: win } = media;
  // Box -> fraction of the placed source window -> fraction of the whole source.
  const u = (px: number) => win.x + ((px * frame.width - placed.x) / placed.w) * win.w;
  const v = (py: number) => win.y + ((py * frame.height - placed.y) / placed.h) * win.h;
  return windowAround(media, [u(bx), v(by), u(bx + bw) - u(bx), v(by + bh) - v(by)]);
}

/**
 * A 4:3 window around a face box given in fractions of the whole source, sized so the face fills
 * REFRAME_FACE_HEIGHT of the frame, zoom bounded by MAX_REFRAME_ZOOM, kept inside the source.
 * Null when the box does not land on the source.
 */
export function windowAround(media: Pick<CameraMedia, 'frame' | 'source'>, [x0, y0, w, h]: readonly number[]): SourceWindow | null {
  const { frame, source } = media;
  const x1 = x0 + w, y1 = y0 + h;
  if (!(x1 > x0 && y1 > y0) || x1 < 0 || x0 > 1 || y1 < 0 || y0 > 1) return null;
  const faceH = (y1 - y0) * source.height;
  const aspect = frame.width / frame.height;
  let hPx = Math.max(faceH / REFRAME_FACE_HEIGHT, source.height / MAX_REFRAME_ZOOM);
  let wPx = hPx * aspect;
  // Inside the source: shrink to fit, keeping the aspect.
  const fit = Math.min(1, source.width / wPx, source.height / hPx);
  hPx *= fit;
  wPx *= fit;
  const cx = ((x0 + x1) / 2) * source.width;
  const cy = ((y0 + y1) / 2) * source.height;
  const left = Math.min(Math.max(0, cx - wPx / 2), source.width - wPx);
  const top = Math.min(Math.max(0, cy - hPx * 0.45), source.height - hPx);
  return { x: left / source.width, y: top / source.height, w: wPx / source.width, h: hPx / source.height };
}
