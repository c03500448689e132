// The real MobileFaceNet on the real FaceLandmarker result of astronaut.png (test/workers/face/fixtures).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error pngjs ships no type declarations
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS_DIR } from '../../../models/manifest.ts';
import { alignFace, warpSimilarity } from '../../../workers/face/align.ts';
import { cosine, IdentityModelMissing, l2normalise, loadFaceEmbedder, meanTemplate, toInputTensor, type FaceEmbedder } from '../../../server/identity/embed.ts';
import { loadAstronaut } from '../../workers/face/fixture.ts';

const f = loadAstronaut();
const png: { data: Uint8Array } = PNG.sync.read(readFileSync(join(import.meta.dirname, '../../../../shared/data/faces/astronaut.png')));
let embedder: FaceEmbedder;

beforeAll(async () => {
  embedder = await loadFaceEmbedder(DEFAULT_MODELS_DIR);
});
afterAll(async () => embedder?.release());

/** The astronaut image rotated/scaled by a similarity, with its landmarks moved alike. */
function transformed(angleDeg: number, scale: number) {
  const a = scale * Math.cos((angleDeg * Math.PI) / 180), b = scale * Math.sin((angleDeg * Math.PI) / 180);
  const cx = f.width / 2, cy = f.height / 2;
  const m = { a, b, tx: cx - (a * cx - b * cy), ty: cy - (b * cx + a * cy) };
  const rgb = warpSimilarity(png.data, f.width, f.height, m, f.width, 4);
  const lm = f.landmarks.slice();
  for (let i = 0; i < lm.length / 3; i++) {
    const x = lm[3 * i] * f.width - 0.5, y = lm[3 * i + 1] * f.height - 0.5;
    lm[3 * i] = (a * x - b * y + m.tx + 0.5) / f.width;
    lm[3 * i + 1] = (b * x + a * y + m.ty + 0.5) / f.height;
  }
  return { image: { data: rgb, width: f.width, height: f.height, channels: 3 }, lm };
}

describe('face embedding (MobileFaceNet)', () => {
  it('preprocesses to NCHW with ImageNet normalisation', () => {
    const rgb = new Uint8Array(112 * 112 * 3).fill(255);
    const t = toInputTensor(rgb);
    expect(t[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(t[112 * 112]).toBeCloseTo((1 - 0.456) / 0.224, 5);
    expect(t[2 * 112 * 112]).toBeCloseTo((1 - 0.406) / 0.225, 5);
  });

  it('gives unit-length embeddings; the same face re-aligned after rotation and scaling stays similar', async () => {
    const base = alignFace({ data: png.data, width: f.width, height: f.height }, f.landmarks)!;
    const e0 = await embedder.embed(base.rgb);
    expect(e0).toHaveLength(128);
    expect(cosine(e0, e0)).toBeCloseTo(1, 5);
    const moved = transformed(15, 0.8);
    const e1 = await embedder.embed(alignFace(moved.image, moved.lm)!.rgb);
    expect(cosine(e0, e1)).toBeGreaterThan(0.8);
    // A crop that is not the face (the image's top-left corner) is far from it.
    const e2 = await embedder.embed(warpSimilarity(png.data, f.width, f.height, { a: 1, b: 0, tx: 0, ty: 0 }, 112, 4));
    expect(cosine(e0, e2)).toBeLessThan(0.5);
  });

  it('averages frames into a normalised template', () => {
    const t = meanTemplate([l2normalise(Float32Array.of(1, 0)), l2normalise(Float32Array.of(0, 1))]);
    expect(t[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(t[1]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('says how to fix a missing model', async () => {
    await expect(loadFaceEmbedder('/nonexistent')).rejects.toBeInstanceOf(IdentityModelMissing);
    await expect(loadFaceEmbedder('/nonexistent')).rejects.toThrow(/livegate models fetch/);
  });
});
