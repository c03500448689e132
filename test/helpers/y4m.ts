/**
 * Convert face videos (or stills, or generated patterns) to y4m for Chromium's fake camera, at
 * test time, cached under test/.cache/y4m keyed by source content and options.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cachedMedia, y4mBytes } from './media-cache.ts';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FACES_DIR = resolve(ROOT, '../shared/data/faces');

export interface FacesItem {
  id: string;
  file: string;
  label: 'bona_fide' | 'attack';
  attack_type?: string;
  media: 'video' | 'still';
  width?: number;
  height?: number;
  fps?: number;
  duration_s?: number;
  truth?: { heart_rate_bpm?: number };
}

export async function readFacesManifest(dir = FACES_DIR): Promise<FacesItem[]> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { items: FacesItem[] };
  return manifest.items;
}

/** The first bona fide frontal video at 30 fps in the manifest (the page's happy path). */
export async function pickLiveVideo(dir = FACES_DIR): Promise<FacesItem> {
  const items = await readFacesManifest(dir);
  const item = items.find((i) => i.media === 'video' && i.label === 'bona_fide' && (i.fps ?? 0) >= 25);
  if (!item) throw new Error(`no bona fide 30 fps video in ${dir}/manifest.json`);
  return item;
}

export interface Y4mOptions {
  fps?: number;
  /** Limit the length in seconds (the fake camera loops the file). */
  seconds?: number;
  /** Scale so the larger side is at most this many pixels (keeps y4m files small). */
  maxSide?: number;
  /**
   * Place the video on a black webcam-sized frame, scaled to `scale` of its height: the person
   * sits farther from the camera (close-up clips otherwise fill the whole frame).
   */
  frame?: { width: number; height: number; scale: number };
}

function scaleFilter(maxSide: number): string {
  // Even dimensions for yuv420p.
  return `scale='if(gt(iw,ih),min(${maxSide},iw),-2)':'if(gt(iw,ih),-2,min(${maxSide},ih))'`;
}

/** Convert a media file (video or still) to a y4m the fake camera can play. */
export async function toY4m(input: string, opts: Y4mOptions = {}): Promise<string> {
  const fps = opts.fps ?? 30;
  const seconds = opts.seconds ?? 8;
  const maxSide = opts.maxSide ?? 640;
  const st = await stat(input);
  const key = createHash('sha256')
    .update(`${resolve(input)}|${st.size}|${st.mtimeMs}|${fps}|${seconds}|${maxSide}|${JSON.stringify(opts.frame ?? null)}`)
    .digest('hex')
    .slice(0, 16);
  const f = opts.frame;
  // At most: the frame, or the larger side at maxSide (4:3).
  const pixels = f ? f.width * f.height : (maxSide * maxSide * 3) / 4;
  return cachedMedia(`${key}.y4m`, async (out) => {
    const still = /\.(png|jpe?g)$/i.test(input);
    const args = ['-hide_banner', '-loglevel', 'error', '-y'];
    if (still) args.push('-loop', '1');
    const geometry = f
      ? `scale=-2:${2 * Math.round((f.height * f.scale) / 2)},pad=${f.width}:${f.height}:(ow-iw)/2:(oh-ih)/2:black`
      : scaleFilter(maxSide);
    args.push('-i', input, '-t', String(seconds), '-vf', `fps=${fps},${geometry}`, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', out);
    await run('ffmpeg', args, { maxBuffer: 1 << 20 });
  }, y4mBytes(pixels, fps, seconds));
}

/** A camera with no face in it: ffmpeg's test pattern. */
export async function noFaceY4m(opts: { width?: number; height?: number; seconds?: number } = {}): Promise<string> {
  const w = opts.width ?? 640;
  const h = opts.height ?? 480;
  const s = opts.seconds ?? 4;
  return cachedMedia(`testsrc-${w}x${h}-${s}s.y4m`, async (out) => {
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${w}x${h}:rate=30`, '-t', String(s), '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', out]);
  }, y4mBytes(w * h, 30, s));
}
