import { describe, expect, it } from 'vitest';
import { encode as rawEncode } from 'cbor-x';
import {
  BundleError, DEFAULT_BUNDLE_LIMITS, LANDMARK_SUBSET_VALUES, MAX_CHUNK_BYTES,
  decodeCaptureChunk, encodeCaptureChunk, type CaptureChunk,
} from '../../../workers/codec/index.ts';
import { fakeJpeg, makeChunk, mulberry32 } from './chunk-fixture.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BundleError);
    return (error as BundleError).code;
  }
  return 'no error';
}

describe('capture chunk codec', () => {
  it('round-trips every field with typed arrays of the right kind', () => {
    const chunk = makeChunk(7, 30, 3);
    const bytes = encodeCaptureChunk(chunk);
    expect(bytes).toBeInstanceOf(Uint8Array);
    const back = decodeCaptureChunk(bytes);
    expect(back.v).toBe(1);
    expect(back.session_id).toBe(chunk.session_id);
    expect(back.nonce).toBe(chunk.nonce);
    expect(back.seq).toBe(3);
    expect(back.frames).toHaveLength(30);
    back.frames.forEach((f, i) => {
      const src = chunk.frames[i];
      expect(f.t).toBe(src.t);
      if (src.lm === null) expect(f.lm).toBeNull();
      else {
        expect(f.lm).toBeInstanceOf(Uint16Array);
        expect(Array.from(f.lm!)).toEqual(Array.from(src.lm));
      }
      expect(f.roi).toBeInstanceOf(Float32Array);
      expect(Array.from(f.roi)).toEqual(Array.from(src.roi));
      expect(f.skin).toBeInstanceOf(Uint32Array);
      expect(Array.from(f.skin)).toEqual(Array.from(src.skin));
      expect(f.box).toBeInstanceOf(Float32Array);
      expect(f.crop.constructor).toBe(Uint8Array);
      expect(Array.from(f.crop)).toEqual(Array.from(src.crop));
    });
    expect(back.context.map((c) => c.crop.length)).toEqual(chunk.context.map((c) => c.crop.length));
  });

  it('decodes into memory of its own, not views of the input', () => {
    const bytes = encodeCaptureChunk(makeChunk(2, 2, 0));
    const back = decodeCaptureChunk(bytes);
    const before = back.frames[0].crop[10];
    bytes.fill(0);
    expect(back.frames[0].crop[10]).toBe(before);
  });

  it('keeps a 30 fps second well under the byte limit', () => {
    expect(encodeCaptureChunk(makeChunk(3, 30, 1)).length).toBeLessThan(MAX_CHUNK_BYTES / 4);
  });

  it('refuses oversize input before decoding', () => {
    const bytes = encodeCaptureChunk(makeChunk(1, 10, 0));
    expect(codeOf(() => decodeCaptureChunk(bytes, { limits: { maxBytes: bytes.length - 1 } }))).toBe('bundle_too_large');
    expect(codeOf(() => decodeCaptureChunk(new Uint8Array(MAX_CHUNK_BYTES + 1)))).toBe('bundle_too_large');
    expect(codeOf(() => encodeCaptureChunk(makeChunk(1, 10, 0), { limits: { maxBytes: 1000 } }))).toBe('bundle_too_large');
  });

  const invalid: Array<[string, (c: CaptureChunk) => void]> = [
    ['too many frames', (c) => { c.frames = Array.from({ length: DEFAULT_BUNDLE_LIMITS.maxFrames + 1 }, () => c.frames[0]); }],
    ['too many context crops', (c) => { c.context = Array.from({ length: DEFAULT_BUNDLE_LIMITS.maxContextCrops + 1 }, () => c.context[0]); }],
    ['oversize face crop', (c) => { c.frames[0].crop = fakeJpeg(DEFAULT_BUNDLE_LIMITS.maxCropBytes + 1, mulberry32(1)); }],
    ['crop not a JPEG', (c) => { c.frames[0].crop = new Uint8Array([1, 2, 3, 4, 5]); }],
    ['short landmark array', (c) => { c.frames[0].lm = new Uint16Array(LANDMARK_SUBSET_VALUES - 2); }],
    ['landmarks as float', (c) => { (c.frames[0] as { lm: unknown }).lm = new Float32Array(LANDMARK_SUBSET_VALUES); }],
    ['roi of 8', (c) => { c.frames[0].roi = new Float32Array(8); }],
    ['roi NaN', (c) => { c.frames[0].roi[4] = Number.NaN; }],
    ['roi Infinity', (c) => { c.frames[0].roi[0] = Number.POSITIVE_INFINITY; }],
    ['roi above 255', (c) => { c.frames[0].roi[0] = 256; }],
    ['skin of 2', (c) => { c.frames[0].skin = new Uint32Array(2); }],
    ['negative t', (c) => { c.frames[0].t = -1; }],
    ['NaN t', (c) => { c.frames[0].t = Number.NaN; }],
    ['box with negative width', (c) => { c.frames[0].box[2] = -0.1; }],
    ['wrong version', (c) => { (c as { v: number }).v = 2; }],
    ['fractional seq', (c) => { c.seq = 1.5; }],
    ['bad nonce', (c) => { c.nonce = 'short'; }],
    ['unknown field', (c) => { (c as unknown as Record<string, unknown>).extra = 1; }],
    ['missing frames', (c) => { delete (c as Partial<CaptureChunk>).frames; }],
  ];

  it.each(invalid)('refuses %s on decode with bundle_invalid', (_name, mutate) => {
    const chunk = makeChunk(5, 3, 1);
    mutate(chunk);
    // Encode with cbor-x directly: encodeCaptureChunk would refuse the same chunk up front.
    const bytes = rawEncode(chunk);
    expect(codeOf(() => decodeCaptureChunk(bytes))).toBe('bundle_invalid');
    expect(codeOf(() => encodeCaptureChunk(chunk))).toBe('bundle_invalid');
  });

  it('reports validation issues with their paths', () => {
    const chunk = makeChunk(5, 3, 0);
    chunk.frames[1].roi = new Float32Array(3);
    try {
      decodeCaptureChunk(rawEncode(chunk));
      expect.unreachable();
    } catch (error) {
      expect((error as BundleError).issues.join('\n')).toContain('frames.1.roi');
    }
  });

  it('accepts custom limits', () => {
    const bytes = encodeCaptureChunk(makeChunk(1, 20, 0));
    expect(codeOf(() => decodeCaptureChunk(bytes, { limits: { maxFrames: 10 } }))).toBe('bundle_invalid');
    expect(decodeCaptureChunk(bytes, { limits: { maxFrames: 20 } }).frames).toHaveLength(20);
  });
});

describe('identity crops (additive field)', () => {
  function withIdentity(count: number, bytes = 6000): CaptureChunk {
    const random = mulberry32(9);
    const chunk = makeChunk(3, 5, 1);
    chunk.identity = Array.from({ length: count }, (_, i) => ({
      t: chunk.frames[i % chunk.frames.length].t,
      box: Float32Array.of(0.2, 0.1, 0.5, 0.6),
      lm: Uint16Array.from({ length: LANDMARK_SUBSET_VALUES }, () => Math.floor(random() * 65536)),
      crop: fakeJpeg(bytes, random),
    }));
    return chunk;
  }

  it('round-trips identity crops; a chunk without them still decodes', () => {
    const chunk = withIdentity(3);
    const back = decodeCaptureChunk(encodeCaptureChunk(chunk));
    expect(back.identity).toHaveLength(3);
    expect(back.identity![1].lm).toBeInstanceOf(Uint16Array);
    expect(Array.from(back.identity![1].lm)).toEqual(Array.from(chunk.identity![1].lm));
    expect(back.identity![2].crop).toEqual(chunk.identity![2].crop);
    expect(decodeCaptureChunk(encodeCaptureChunk(makeChunk(3, 5, 1))).identity).toBeUndefined();
  });

  it('enforces the count, byte, landmark and JPEG limits', () => {
    expect(codeOf(() => decodeCaptureChunk(rawEncode(withIdentity(DEFAULT_BUNDLE_LIMITS.maxIdentityCrops + 1))))).toBe('bundle_invalid');
    expect(codeOf(() => decodeCaptureChunk(rawEncode(withIdentity(1, DEFAULT_BUNDLE_LIMITS.maxIdentityCropBytes + 1))))).toBe('bundle_invalid');
    const short = withIdentity(1);
    short.identity![0].lm = new Uint16Array(10);
    expect(codeOf(() => decodeCaptureChunk(rawEncode(short)))).toBe('bundle_invalid');
    const notJpeg = withIdentity(1);
    notJpeg.identity![0].crop = new Uint8Array(100);
    expect(codeOf(() => decodeCaptureChunk(rawEncode(notJpeg)))).toBe('bundle_invalid');
  });
});
