// The harness's attacker, who brings a small face closer when the page found none
// (test/eval/lib/find-face.ts): BlazeFace on the real shared recordings and a real face-free clip.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FACES_DIR, noFaceY4m } from '../helpers/y4m.ts';
import { findFace } from './lib/find-face.ts';
import { MODELS_DIR } from './lib/pad-analyse.ts';
import { windowAround } from './lib/pad-media.ts';

describe('findFace', () => {
  it('finds the face on a phone screen held up at arm\'s length, which the page never found', async () => {
    // zubair-replay-phone: 960 x 540; the phone's screen is right of centre and its face is
    // under a fifth of the frame's height.
    const found = await findFace(MODELS_DIR, join(FACES_DIR, 'zubair-replay-phone.webm'), 960, 540, [0.5, 2, 4]);
    expect(found).not.toBeNull();
    const [x, y, w, h] = found!.box;
    expect(found!.score).toBeGreaterThan(0.6);
    expect(x + w / 2).toBeGreaterThan(0.45);
    expect(x + w / 2).toBeLessThan(0.8);
    expect(y).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThan(0.3);
    // Brought closer: a window a few times smaller than the frame, around that face.
    const win = windowAround({ frame: { width: 640, height: 480 }, source: { width: 960, height: 540 } }, found!.box)!;
    expect(win.h).toBeLessThan(0.6);
    expect(win.x).toBeLessThanOrEqual(x);
    expect(win.x + win.w).toBeGreaterThanOrEqual(x + w);
  }, 60_000);

  it('finds nothing where there is no face', async () => {
    expect(await findFace(MODELS_DIR, await noFaceY4m(), 640, 480, [0.5, 2])).toBeNull();
  }, 60_000);
});
