// A small seeded PRNG (mulberry32) with a Box-Muller normal: reproducible noise for the
// confidence gate's noise reference and for synthetic test signals.
export interface SeededRandom {
  uniform(): number;
  gauss(): number;
}

export function createRandom(seed: number): SeededRandom {
  let s = seed >>> 0 || 1;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = (): number => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  return { uniform, gauss };
}
