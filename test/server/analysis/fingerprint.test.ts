// The replay fingerprint: what it hashes, and the crops' difference hash that survives re-encoding.
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { evidenceFingerprint } from '../../../server/analysis/fingerprint.ts';
import { differenceHash } from '../../../server/analysis/perceptual-hash.ts';

const SIZE = 64;
/** A picture with clear structure at the hash's scale (cells of alternating brightness, varied). */
function face(shift = 0): Uint8Array {
  const rgba = new Uint8Array(SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const cx = Math.floor((x * 9) / SIZE), cy = Math.floor((y * 8) / SIZE);
      const v = 60 + 90 * ((cx + cy + shift + (cx * cy) % 3) % 2) + 8 * Math.sin(x / 5);
      rgba.set([v, v * 0.8, v * 0.7, 255], 4 * (y * SIZE + x));
    }
  }
  return rgba;
}
const encode = (rgba: Uint8Array, quality: number) => new Uint8Array(jpeg.encode({ data: rgba, width: SIZE, height: SIZE }, quality).data);
const decode = (bytes: Uint8Array) => jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true }).data;

describe('differenceHash', () => {
  it('keeps its value through re-encoding and a uniform tint, and changes with the picture', () => {
    const original = differenceHash(decode(encode(face(), 90)), SIZE, SIZE);
    const tinted = decode(encode(face(), 90));
    for (let p = 0; p < tinted.length; p += 4) tinted[p + 2] = Math.min(255, tinted[p + 2] + 15);
    expect(differenceHash(decode(encode(tinted, 75)), SIZE, SIZE)).toBe(original);
    expect(differenceHash(decode(encode(face(1), 90)), SIZE, SIZE)).not.toBe(original);
    expect(original).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('evidenceFingerprint', () => {
  const frame = (i: number) => ({
    t: i * 33,
    lm: i % 3 === 0 ? new Uint16Array([i, 2 * i]) : null,
    roi: new Float32Array([i, 1, 2, 3, 4, 5, 6, 7, 8]),
    skin: new Uint32Array(3),
    box: new Float32Array(4),
    crop: new Uint8Array([0xff, 0xd8, i, 0xff, 0xd9]),
  });
  const chunks = [{ frames: [0, 1, 2].map(frame), context: [{ t: 0, box: new Float32Array(4), crop: new Uint8Array([1, 2, 3]) }] }, { frames: [3, 4].map(frame), context: [] }];

  it('hashes every crop, landmark set, ROI record and context crop once, never the binding', () => {
    const hashes = evidenceFingerprint(chunks, ['00ff00ff00ff00ff', '00ff00ff00ff00ff']);
    const kinds = hashes.map((h) => h.split(':')[0]);
    expect(kinds.filter((k) => k === 'c')).toHaveLength(5);
    expect(kinds.filter((k) => k === 'r')).toHaveLength(5);
    expect(kinds.filter((k) => k === 'l')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'x')).toHaveLength(1);
    expect(hashes).toContain('p:00ff00ff00ff00ff');
    expect(hashes.filter((h) => h.startsWith('p:'))).toHaveLength(1);
    // The same evidence re-bound to another session and nonce fingerprints the same.
    const rebound = chunks.map((c, seq) => ({ ...c, v: 1 as const, seq, session_id: 'other', attempt_id: 'other', nonce: 'other' }));
    expect(evidenceFingerprint(rebound)).toEqual(evidenceFingerprint(chunks));
  });
});

describe('checkReplay (SQLite store)', () => {
  it('refuses another session’s evidence, not a retry in the same session nor another tenant’s', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { openStore } = await import('../../../server/store/index.ts');
    const { checkReplay } = await import('../../../server/analysis/fingerprint.ts');
    const dir = mkdtempSync(join(tmpdir(), 'livegate-fp-'));
    const store = await openStore({ dataDir: dir });
    try {
      const chunks = [{ frames: Array.from({ length: 30 }, (_, i) => ({ t: i, lm: null, roi: new Float32Array([i, 0, 0, 0, 0, 0, 0, 0, 0]), skin: new Uint32Array(3), box: new Float32Array(4), crop: new Uint8Array([0xff, 0xd8, i, 0xff, 0xd9]) })), context: [] }];
      const at = (tenant: string, session: string, attempt: string) => ({ tenant_id: tenant, session_id: session, attempt_id: attempt, now: 1 });
      expect((await checkReplay(store, at('t1', 's1', 'a1'), chunks)).replayed).toBe(false);
      expect((await checkReplay(store, at('t1', 's1', 'a2'), chunks)).replayed).toBe(false);
      expect((await checkReplay(store, at('t2', 's9', 'a9'), chunks)).replayed).toBe(false);
      const replay = await checkReplay(store, at('t1', 's2', 'a3'), chunks);
      expect(replay).toMatchObject({ replayed: true, hashes: 60, matches: 60 });
      expect(replay.sources.map((s) => s.session_id)).toEqual(['s1', 's1']);
      // A few shared hashes are no replay, however many earlier captures share them.
      const mostlyNew = [{ frames: chunks[0].frames.map((f, i) => (i < 3 ? f : { ...f, crop: new Uint8Array([0xff, 0xd8, 100 + i, 0xff, 0xd9]), roi: new Float32Array([100 + i, 0, 0, 0, 0, 0, 0, 0, 0]) })), context: [] }];
      expect((await checkReplay(store, at('t1', 's3', 'a4'), mostlyNew)).replayed).toBe(false);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
