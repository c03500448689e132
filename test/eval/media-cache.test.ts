// The test media cache stays bounded: raw y4m is big, and an unbounded cache once filled the disk
// under an evaluation run until the test suite itself could not write.
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedMedia, MEDIA_CACHE_DIR, mediaCacheBudget, pruneMediaCache } from '../helpers/media-cache.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function cacheWith(files: { name: string; bytes: number; minutesAgo: number }[], now: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lg-media-cache-'));
  dirs.push(dir);
  for (const f of files) {
    const path = join(dir, f.name);
    await writeFile(path, Buffer.alloc(f.bytes));
    const t = new Date(now - f.minutesAgo * 60_000);
    await utimes(path, t, t);
  }
  return dir;
}

describe('media cache', () => {
  const now = Date.now();

  it('drops the least recently used files until the new one fits the budget', async () => {
    const dir = await cacheWith([
      { name: 'old.y4m', bytes: 400, minutesAgo: 120 },
      { name: 'mid.y4m', bytes: 400, minutesAgo: 60 },
      { name: 'new.y4m', bytes: 400, minutesAgo: 30 },
    ], now);
    const freed = await pruneMediaCache({ dir, budget: 1000, incoming: 300, now, margin: 0 });
    expect(freed).toBe(800);
    expect(await readdir(dir)).toEqual(['new.y4m']);
  });

  it('keeps everything within budget, and never drops a file used in the last minutes', async () => {
    const dir = await cacheWith([
      { name: 'a.y4m', bytes: 400, minutesAgo: 120 },
      { name: 'b.y4m', bytes: 400, minutesAgo: 1 },
    ], now);
    expect(await pruneMediaCache({ dir, budget: 1000, incoming: 100, now, margin: 0 })).toBe(0);
    expect(await pruneMediaCache({ dir, budget: 100, incoming: 100, now, margin: 0 })).toBe(400);
    expect(await readdir(dir)).toEqual(['b.y4m']);
  });

  it('frees files when the disk would keep less than its margin, whatever the budget', async () => {
    const dir = await cacheWith([{ name: 'a.y4m', bytes: 10, minutesAgo: 120 }], now);
    expect(await pruneMediaCache({ dir, budget: Number.MAX_SAFE_INTEGER, incoming: 0, now, margin: Number.MAX_SAFE_INTEGER })).toBe(10);
  });

  it('reads its budget from LIVEGATE_MEDIA_CACHE_GB and refuses a bad one', () => {
    expect(mediaCacheBudget({})).toBe(8 * 1024 ** 3);
    expect(mediaCacheBudget({ LIVEGATE_MEDIA_CACHE_GB: '0.5' })).toBe(0.5 * 1024 ** 3);
    expect(() => mediaCacheBudget({ LIVEGATE_MEDIA_CACHE_GB: 'lots' })).toThrow(/positive number of gigabytes/);
  });

  it('leaves no partial file when a conversion fails, and names the fix when the disk is full', async () => {
    const name = `lg-media-cache-test-${process.pid}.y4m`;
    const full = Object.assign(new Error('ffmpeg failed'), { stderr: 'av_interleaved_write_frame(): No space left on device' });
    await expect(cachedMedia(name, async (tmp) => {
      await writeFile(tmp, 'partial');
      throw full;
    })).rejects.toThrow(/out of disk .*LIVEGATE_MEDIA_CACHE_GB/);
    expect((await readdir(MEDIA_CACHE_DIR)).filter((n) => n.includes(`lg-media-cache-test-${process.pid}`))).toEqual([]);
    // A conversion that works is kept and found again without running.
    let runs = 0;
    const made = await cachedMedia(name, async (tmp) => {
      runs += 1;
      await writeFile(tmp, 'y4m');
    });
    expect(await cachedMedia(name, async () => { runs += 1; })).toBe(made);
    expect(runs).toBe(1);
    await rm(made, { force: true });
  });
});
