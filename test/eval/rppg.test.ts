import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateRppgDir } from './rppg.ts';
import { parseNpy } from './lib/npy.ts';

const VIPL = join(import.meta.dirname, '../../../shared/data/rppg/vipl-p1v1s1');

describe('eval:rppg on vipl-p1v1s1 (real recording, contact PPG)', () => {
  // The recordings live outside the repository (../shared/data); without them there is nothing to measure.
  it.runIf(existsSync(join(VIPL, 'manifest.json')))('estimates the heart rate within a few bpm of the truth', async () => {
    const r = await evaluateRppgDir(VIPL);
    expect(r.items).toHaveLength(1);
    const item = r.items[0];
    expect(Math.abs(item.estimate_bpm - item.truth_bpm)).toBeLessThan(3);
    expect(item.confident).toBe(true);
    expect(r.summary.mae).toBeCloseTo(Math.abs(item.estimate_bpm - item.truth_bpm), 9);
    const w = r.windows?.[0];
    expect(w?.windows).toBeGreaterThan(20);
    expect(w?.mae).toBeLessThan(3);
  }, 120_000);
});

describe('parseNpy', () => {
  it('reads a v1 uint8 array and refuses a non-npy buffer', () => {
    const header = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = header + ' '.repeat(pad) + '\n';
    const bytes = new Uint8Array(10 + h.length + 6);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
    bytes.set(new TextEncoder().encode(h), 10);
    bytes.set([1, 2, 3, 4, 5, 6], 10 + h.length);
    const a = parseNpy(bytes);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => parseNpy(new Uint8Array(20))).toThrow(/magic/);
  });
});
