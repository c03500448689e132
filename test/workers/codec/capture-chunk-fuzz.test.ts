// Hostile input: every outcome must be a valid chunk or a BundleError, never another exception,
// a crash or a hang. Seeded, so a failure reproduces.
import { describe, expect, it } from 'vitest';
import { encode as rawEncode } from 'cbor-x';
import { BundleError, decodeCaptureChunk, type CaptureChunk } from '../../../workers/codec/index.ts';
import { makeChunk, mulberry32 } from './chunk-fixture.ts';

type Outcome = { ok: true; chunk: CaptureChunk } | { ok: false; code: string };

function attempt(bytes: Uint8Array): Outcome {
  try {
    return { ok: true, chunk: decodeCaptureChunk(bytes) };
  } catch (error) {
    if (!(error instanceof BundleError)) throw new Error(`untyped failure: ${String(error)}`, { cause: error });
    return { ok: false, code: error.code };
  }
}

const valid = rawEncode(makeChunk(11, 30, 2)) as Uint8Array;

describe('capture chunk decoder under fuzzing', () => {
  it('survives random bytes', () => {
    const random = mulberry32(42);
    for (let n = 0; n < 3000; n++) {
      const bytes = new Uint8Array(1 + Math.floor(random() * 300));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      const outcome = attempt(bytes);
      expect(outcome.ok).toBe(false);
    }
  });

  it('survives every truncation of a valid chunk', () => {
    expect(attempt(valid).ok).toBe(true);
    for (let cut = 0; cut < valid.length; cut += 7) {
      const outcome = attempt(valid.subarray(0, cut));
      expect(outcome).toEqual({ ok: false, code: 'bundle_malformed' });
    }
  });

  it('survives bit flips in a valid chunk', () => {
    const random = mulberry32(7);
    const codes = new Set<string>();
    for (let n = 0; n < 2000; n++) {
      const bytes = valid.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let k = 0; k < flips; k++) bytes[Math.floor(random() * bytes.length)] ^= 1 << Math.floor(random() * 8);
      const outcome = attempt(bytes);
      codes.add(outcome.ok ? 'ok' : outcome.code);
    }
    // Flips inside JPEG bodies leave valid chunks; flips in heads break structure or schema.
    expect(codes.has('ok')).toBe(true);
    expect(codes.has('bundle_malformed')).toBe(true);
    expect(codes.has('bundle_invalid')).toBe(true);
  });

  it('refuses deep nesting without recursing', () => {
    const depth = 200_000;
    const arrays = new Uint8Array(depth + 1).fill(0x81);
    arrays[depth] = 0x00;
    expect(attempt(arrays)).toEqual({ ok: false, code: 'bundle_malformed' });
    const maps = new Uint8Array(depth * 2 + 1);
    for (let i = 0; i < depth; i++) maps.set([0xa1, 0x60], i * 2);
    expect(attempt(maps)).toEqual({ ok: false, code: 'bundle_malformed' });
  });

  it('refuses huge declared lengths without allocating them', () => {
    const heads = [
      [0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // byte string of 2^64-1
      [0x7a, 0xff, 0xff, 0xff, 0xff, 0x61], // text of 4 GiB
      [0x9a, 0x7f, 0xff, 0xff, 0xff, 0x00], // array of 2^31 items
      [0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00], // map of 2^32 pairs
      [0xd8, 0x55, 0x5a, 0x10, 0x00, 0x00, 0x00], // float32 typed array of 256 MiB
      [0x9f, 0x00, 0xff], // indefinite array
      [0x5f, 0x41, 0x00, 0xff], // indefinite byte string
    ];
    for (const head of heads) expect(attempt(Uint8Array.from(head))).toEqual({ ok: false, code: 'bundle_malformed' });
  });

  it('refuses tags outside the typed-array set (generic objects, records, dates)', () => {
    const evil = [
      rawEncode(['eval', 'globalThis.pwned = true']), // wrapped in tag 27 below
    ];
    const tag27 = new Uint8Array([0xd8, 0x1b, ...evil[0]]);
    expect(attempt(tag27)).toEqual({ ok: false, code: 'bundle_malformed' });
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
    for (const tag of [0, 1, 2, 28, 29, 105, 258, 259, 0xdfff]) {
      const head = tag < 24 ? [0xc0 | tag] : tag < 256 ? [0xd8, tag] : [0xd9, tag >> 8, tag & 255];
      expect(attempt(Uint8Array.from([...head, 0x00]))).toEqual({ ok: false, code: 'bundle_malformed' });
    }
  });

  it('refuses typed arrays whose byte length does not fit the element size', () => {
    const bytes = Uint8Array.from([0xd8, 0x55, 0x43, 1, 2, 3]); // float32 array of 3 bytes
    expect(attempt(bytes)).toEqual({ ok: false, code: 'bundle_malformed' });
  });

  it('refuses structurally valid CBOR of the wrong shape as invalid', () => {
    for (const value of [0, 'chunk', [], {}, { v: 1 }, new Float32Array(3), null]) {
      expect(attempt(rawEncode(value))).toEqual({ ok: false, code: 'bundle_invalid' });
    }
  });

  it('neither pollutes prototypes nor lets __proto__ supply fields', () => {
    const inner = rawEncode({ frames: [], context: [] }) as Uint8Array;
    const chunk = makeChunk(1, 0, 0) as unknown as Record<string, unknown>;
    delete chunk.frames;
    delete chunk.context;
    const head = rawEncode(chunk) as Uint8Array;
    // Append a "__proto__" entry to the map: bump the pair count in the map head.
    const bumped = Uint8Array.from(head);
    if (bumped[0] === 0xb9) bumped[2]++; // map, 16-bit count (cbor-x's choice)
    else { expect(bumped[0] >> 5).toBe(5); bumped[0]++; } // map, count in the head
    const key = rawEncode('__proto__') as Uint8Array;
    const bytes = Uint8Array.from([...bumped, ...key, ...inner]);
    expect(attempt(bytes)).toEqual({ ok: false, code: 'bundle_invalid' });
    expect(({} as Record<string, unknown>).frames).toBeUndefined();
  });

  it('refuses trailing bytes after a valid chunk', () => {
    const bytes = new Uint8Array(valid.length + 1);
    bytes.set(valid);
    expect(attempt(bytes)).toEqual({ ok: false, code: 'bundle_malformed' });
  });
});
