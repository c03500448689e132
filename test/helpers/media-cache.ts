/**
 * The cache of converted camera media (y4m for Chromium's fake camera, re-encoded clips) under
 * test/.cache/y4m. Raw y4m is big (640x480 at 30 fps is 13.8 MB a second), and an evaluation
 * run converts every item under every perturbation, so the cache is bounded: before it writes a
 * new file it drops the least recently used ones until it fits its budget and leaves the disk
 * a margin. A file used in the last few minutes is never dropped (another test may be about to
 * open it).
 *
 * LIVEGATE_MEDIA_CACHE_GB sets the budget (default 8). A conversion that still runs out of disk
 * fails saying so, and leaves no partial file behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, statfs, utimes } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MEDIA_CACHE_DIR = join(ROOT, 'test/.cache/y4m');

const GB = 1024 ** 3;
/** Free disk the cache leaves for everything else (databases, browsers, logs). */
const DISK_MARGIN = 2 * GB;
/** A file touched this recently stays, whatever the budget says. */
const IN_USE_MS = 10 * 60_000;

export function mediaCacheBudget(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LIVEGATE_MEDIA_CACHE_GB;
  if (raw === undefined || raw === '') return 8 * GB;
  const gb = Number(raw);
  if (!Number.isFinite(gb) || gb <= 0) throw new Error(`LIVEGATE_MEDIA_CACHE_GB must be a positive number of gigabytes, got "${raw}"`);
  return gb * GB;
}

interface Entry {
  path: string;
  size: number;
  used: number;
}

async function entries(dir: string): Promise<Entry[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: Entry[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => null);
    if (st?.isFile()) out.push({ path, size: st.size, used: st.mtimeMs });
  }
  return out;
}

/**
 * Drop least recently used files until the cache holds at most `budget - incoming` bytes and the
 * disk keeps DISK_MARGIN free after `incoming` more. Returns the bytes freed.
 */
export async function pruneMediaCache(opts: { dir?: string; budget?: number; incoming?: number; now?: number; margin?: number } = {}): Promise<number> {
  const dir = opts.dir ?? MEDIA_CACHE_DIR;
  const budget = opts.budget ?? mediaCacheBudget();
  const incoming = opts.incoming ?? 0;
  const now = opts.now ?? Date.now();
  const margin = opts.margin ?? DISK_MARGIN;
  const all = (await entries(dir)).sort((a, b) => a.used - b.used);
  let held = all.reduce((n, e) => n + e.size, 0);
  const fs = await statfs(dir).catch(() => null);
  let free = fs ? fs.bavail * fs.bsize : Infinity;
  let freed = 0;
  for (const e of all) {
    if (held + incoming <= budget && free - incoming >= margin) break;
    if (now - e.used < IN_USE_MS) break;
    await rm(e.path, { force: true });
    held -= e.size;
    free += e.size;
    freed += e.size;
  }
  return freed;
}

/**
 * The cached file `name`, made by `make(tmpPath)` when missing. A hit marks the file as used;
 * a miss makes room first (about `expectedBytes`), writes to a temporary name and renames it.
 */
export async function cachedMedia(name: string, make: (tmp: string) => Promise<void>, expectedBytes = 0): Promise<string> {
  await mkdir(MEDIA_CACHE_DIR, { recursive: true });
  const out = join(MEDIA_CACHE_DIR, name);
  const hit = await stat(out).catch(() => null);
  if (hit) {
    const now = new Date();
    await utimes(out, now, now).catch(() => undefined);
    return out;
  }
  await pruneMediaCache({ incoming: expectedBytes });
  // Keeps the extension: ffmpeg picks the container from it.
  const tmp = join(MEDIA_CACHE_DIR, name.replace(/(\.[^.]+)?$/, `.${process.pid}-${randomBytes(4).toString('hex')}.tmp$1`));
  try {
    await make(tmp);
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { force: true });
    const text = String((err as { stderr?: unknown }).stderr ?? (err as Error).message);
    if (/No space left on device|ENOSPC/.test(text)) {
      throw new Error(`out of disk writing ${out}: free some space or lower LIVEGATE_MEDIA_CACHE_GB (the media cache is ${MEDIA_CACHE_DIR} and can be deleted)`, { cause: err });
    }
    throw err;
  }
  return out;
}

/** Bytes of a raw yuv420p y4m of `pixels` per frame (what a conversion is about to write). */
export function y4mBytes(pixels: number, fps: number, seconds: number): number {
  return Math.ceil(pixels * 1.5 * fps * seconds);
}
