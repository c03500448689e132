import { describe, expect, it } from 'vitest';
import { cropMotion, summarizeCropMotion } from '../../../workers/face/crop-motion.ts';
import { mulberry32 } from '../codec/chunk-fixture.ts';

const S = 64;

/** A smooth random texture at a larger scale than the blocks, like facial features. */
function texture(seed: number, w = 256): Float64Array {
  const random = mulberry32(seed);
  const img = new Float64Array(w * w).fill(120);
  for (let k = 0; k < 220; k++) {
    const cx = random() * w, cy = random() * w, r = 3 + random() * 10, a = (random() - 0.5) * 160;
    for (let y = Math.max(0, Math.floor(cy - 3 * r)); y < Math.min(w, cy + 3 * r); y++) {
      for (let x = Math.max(0, Math.floor(cx - 3 * r)); x < Math.min(w, cx + 3 * r); x++) {
        img[y * w + x] += a * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r));
      }
    }
  }
  return img;
}

/** Renders a 64x64 crop: crop pixel (x, y) samples the texture at map(x, y) (bilinear). */
function render(tex: Float64Array, map: (x: number, y: number) => [number, number], w = 256): Uint8Array {
  const out = new Uint8Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const [fx, fy] = map(x, y);
      const x0 = Math.floor(fx), y0 = Math.floor(fy), ax = fx - x0, ay = fy - y0;
      const p = (xx: number, yy: number) => tex[Math.min(w - 1, Math.max(0, yy)) * w + Math.min(w - 1, Math.max(0, xx))];
      const v = (1 - ay) * ((1 - ax) * p(x0, y0) + ax * p(x0 + 1, y0)) + ay * ((1 - ax) * p(x0, y0 + 1) + ax * p(x0 + 1, y0 + 1));
      out[y * S + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return out;
}

const base = (x: number, y: number): [number, number] => [96 + x, 96 + y];
/** A plane seen under a changed perspective: a homography of the crop. */
const planar = (x: number, y: number): [number, number] => {
  const u = x - 32, v = y - 32;
  const w = 1 + 0.004 * u - 0.003 * v;
  return [96 + 32 + (1.04 * u + 0.05 * v + 1.2) / w, 96 + 32 + (-0.03 * u + 0.97 * v - 0.8) / w];
};
/** A head turning: the middle of the face (the nose) moves against the outline. */
const parallax = (x: number, y: number): [number, number] => {
  const u = x - 32, v = y - 32;
  const bump = 3.5 * Math.exp(-(u * u + v * v) / (2 * 12 * 12));
  return [96 + x + bump + 0.5, 96 + y];
};

describe('crop motion planarity', () => {
  it('finds a planar change explained by one homography', () => {
    const tex = texture(1);
    const r = cropMotion(render(tex, base), render(tex, planar), S);
    expect(r.matched).toBeGreaterThanOrEqual(20);
    expect(r.similarity_residual).toBeGreaterThan(0.5);
    // Block matching leaves ~0.6 px of error on smooth texture, so a plane is not ~0 here.
    expect(r.ratio).toBeLessThan(0.5);
  });

  it('finds parallax left unexplained', () => {
    const tex = texture(2);
    const r = cropMotion(render(tex, base), render(tex, parallax), S);
    expect(r.matched).toBeGreaterThanOrEqual(20);
    expect(r.ratio).toBeGreaterThan(0.65);
  });

  it('summarises the informative pairs of a capture', () => {
    const tex = texture(3);
    const a = render(tex, base);
    const planarPairs = [cropMotion(a, render(tex, planar), S), cropMotion(a, a, S), cropMotion(a, render(tex, planar), S)];
    const s = summarizeCropMotion(planarPairs);
    expect(s.informative_pairs).toBe(2); // the unchanged pair has no shape change
    expect(s.pairs).toBe(3);
    expect(s.crop_planarity_ratio!).toBeLessThan(0.5);
    expect(s.evidence).toBe('insufficient_motion'); // two informative pairs are not enough
    const more = summarizeCropMotion([...planarPairs, ...planarPairs]);
    expect(more.evidence).toBe('planar');
    expect(more.planar).toBe(true);
    const b = render(tex, parallax);
    const head = summarizeCropMotion([cropMotion(a, b, S), cropMotion(a, b, S), cropMotion(a, b, S)]);
    expect(head.evidence).toBe('non_planar');
    expect(summarizeCropMotion([]).crop_planarity_ratio).toBeNull();
  });

  it('gives no answer on a textureless crop', () => {
    const flat = new Uint8Array(S * S).fill(128);
    const r = cropMotion(flat, flat, S);
    expect(r.matched).toBe(0);
    expect(r.ratio).toBeNaN();
  });
});
