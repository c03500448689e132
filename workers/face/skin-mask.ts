// Skin test on one RGB pixel in YCbCr (BT.601, integer arithmetic): a chroma box around skin
// tones (Chai & Ngan 1999, widened) plus a luma window that drops near-black and clipped pixels,
// whose colour says nothing about blood volume. Under strong coloured screen light (the light
// challenge) skin chroma moves: the widened box keeps most of it, and the kept-pixel count tells
// the caller when it did not.

export interface SkinThresholds {
  yMin: number;
  yMax: number;
  cbMin: number;
  cbMax: number;
  crMin: number;
  crMax: number;
}

export const DEFAULT_SKIN_THRESHOLDS: Readonly<SkinThresholds> = Object.freeze({
  yMin: 35,
  yMax: 245,
  cbMin: 70,
  cbMax: 135,
  crMin: 128,
  crMax: 180,
});

/**
 * Luma window only: drops crushed and clipped pixels, keeps every chroma. For the light
 * challenge, where strong screen colours push real skin out of the chroma box (a crude
 * reflectance model loses darker and lighter tones from about a 20-30 % share of coloured light).
 */
export const LUMA_ONLY_SKIN_MASK: Readonly<SkinThresholds> = Object.freeze({
  yMin: 35, yMax: 245, cbMin: 0, cbMax: 255, crMin: 0, crMax: 255,
});

/** Accepts every pixel: for crops already known to be skin, or to measure without a mask. */
export const NO_SKIN_MASK: Readonly<SkinThresholds> = Object.freeze({
  yMin: 0, yMax: 255, cbMin: 0, cbMax: 255, crMin: 0, crMax: 255,
});

export function isSkinPixel(r: number, g: number, b: number, t: SkinThresholds = DEFAULT_SKIN_THRESHOLDS): boolean {
  const y = (77 * r + 150 * g + 29 * b) >> 8;
  if (y < t.yMin || y > t.yMax) return false;
  const cb = ((-43 * r - 85 * g + 128 * b) >> 8) + 128;
  if (cb < t.cbMin || cb > t.cbMax) return false;
  const cr = ((128 * r - 107 * g - 21 * b) >> 8) + 128;
  return cr >= t.crMin && cr <= t.crMax;
}
